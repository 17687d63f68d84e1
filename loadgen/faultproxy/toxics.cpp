#include "loadgen/faultproxy/toxics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace lg::faultproxy {

std::int64_t Lane::due(std::int64_t arrival_ns, std::size_t bytes, const Toxic& t, double u) {
  const auto jitter = static_cast<std::int64_t>(
      std::llround(std::clamp(u, -1.0, 1.0) * static_cast<double>(t.jitter_ns)));
  std::int64_t at = arrival_ns + std::max<std::int64_t>(0, t.latency_ns + jitter);
  at = std::max(at, last_due_);  // in order
  if (t.bytes_per_s > 0) {
    // The line is free from last_due_ on (the previous chunk's last byte); this one takes
    // bytes / rate on it, from when it is ready or the line is free, whichever is later.
    const auto wire = static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 /
                                                static_cast<double>(t.bytes_per_s));
    at += wire;
  }
  last_due_ = at;
  return at;
}

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

struct Key {
  std::string_view name;
  void (*set)(Toxics&, double);
  bool flag;  // 0 or 1 only
};
constexpr std::array<Key, 8> kKeys{{
    {"up.latency_ms",
     [](Toxics& t, double v) { t.upstream.latency_ns = std::llround(v * kNsPerMs); }, false},
    {"up.jitter_ms", [](Toxics& t, double v) { t.upstream.jitter_ns = std::llround(v * kNsPerMs); },
     false},
    {"up.kbps",
     [](Toxics& t, double v) { t.upstream.bytes_per_s = static_cast<std::uint64_t>(v * 1000); },
     false},
    {"down.latency_ms",
     [](Toxics& t, double v) { t.downstream.latency_ns = std::llround(v * kNsPerMs); }, false},
    {"down.jitter_ms",
     [](Toxics& t, double v) { t.downstream.jitter_ns = std::llround(v * kNsPerMs); }, false},
    {"down.kbps",
     [](Toxics& t, double v) { t.downstream.bytes_per_s = static_cast<std::uint64_t>(v * 1000); },
     false},
    {"hang", [](Toxics& t, double v) { t.hang = v != 0; }, true},
    {"reset", [](Toxics& t, double v) { t.reset = v != 0; }, true},
}};

std::string accepted_keys() {
  std::string out;
  for (const auto& k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

}  // namespace

std::expected<Toxics, std::string> parse_toxics(std::string_view text) {
  Toxics t;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = std::min(text.find(' '), text.size());
    const std::string_view item = text.substr(0, end);
    text.remove_prefix(end);
    if (item == "clear") continue;
    const auto eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    const auto* key =
        std::find_if(kKeys.begin(), kKeys.end(), [&](const Key& k) { return k.name == name; });
    if (key == kKeys.end()) {
      return std::unexpected("unknown toxic '" + std::string(name) +
                             "' (accepted: " + accepted_keys() + ")");
    }
    if (eq == std::string_view::npos) return std::unexpected(std::string(name) + ": needs =VALUE");
    const std::string_view value = item.substr(eq + 1);
    double v = -1;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    const bool number = ec == std::errc{} && ptr == value.data() + value.size() && std::isfinite(v);
    if (!number || v < 0 || (key->flag && v != 0 && v != 1)) {
      return std::unexpected(std::string(name) + "=" + std::string(value) + ": must be " +
                             (key->flag ? "0 or 1" : "a number >= 0"));
    }
    key->set(t, v);
  }
  return t;
}

}  // namespace lg::faultproxy
