// Counter-based pseudo-random numbers: a pure function of (seed, index), so that any arrival's
// random choices (request mix, {{rand}} values, Poisson gaps) can be recomputed by any worker
// or shard without shared state.
#pragma once
#include <cstdint>

namespace lg {

// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche behaviour.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The n-th 64-bit draw of stream `stream` under `seed`.
constexpr std::uint64_t draw64(std::uint64_t seed, std::uint64_t stream, std::uint64_t n) noexcept {
  return mix64(mix64(seed ^ mix64(stream)) + n);
}

// Uniform double in (0, 1]: never 0, so -log(u) is finite.
constexpr double unit_open0(std::uint64_t bits) noexcept {
  return static_cast<double>((bits >> 11) + 1) * 0x1.0p-53;
}

// Uniform integer in [lo, hi] (inclusive; lo <= hi). Multiply-shift: bias below 2^-64 * range.
constexpr std::uint64_t uniform_in(std::uint64_t bits, std::uint64_t lo,
                                   std::uint64_t hi) noexcept {
  __extension__ using u128 = unsigned __int128;  // GCC/Clang builtin; -Wpedantic needs the marker
  const u128 span = static_cast<u128>(hi - lo) + 1;
  return lo + static_cast<std::uint64_t>((span * bits) >> 64);
}

}  // namespace lg
