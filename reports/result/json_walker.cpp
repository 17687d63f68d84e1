#include "reports/result/json_walker.h"

#include <cmath>
#include <limits>
#include <vector>

namespace lg::reports {

std::string JsonWalker::text(const JsonNode& n, std::string fallback) {
  return Core::text(n).value_or(std::move(fallback));
}

bool JsonWalker::boolean(const JsonNode& n, bool fallback) {
  return Core::boolean(n).value_or(fallback);
}

double JsonWalker::number(const JsonNode& n, double fallback) {
  return Core::number(n).value_or(fallback);
}

std::uint64_t JsonWalker::uint(const JsonNode& n, std::uint64_t max, std::uint64_t fallback) {
  // "an integer in [0, MAX]" when bounded.
  const std::string_view what = max == UINT64_MAX ? "a non-negative integer" : "";
  return Core::integer(n, 0, max, what).value_or(fallback);
}

std::int64_t JsonWalker::integer(const JsonNode& n, std::int64_t fallback) {
  if (!usable(n, "an integer")) return fallback;
  const auto& v = *n.value;
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > limit)) {
    return v.get<std::int64_t>();
  }
  expected(n, "an integer");
  return fallback;
}

std::int32_t JsonWalker::count_or_null(const JsonNode& n) {
  if (is_null(n)) return -1;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  const auto count = Core::integer(n, 0, kMax, "a non-negative integer or null");
  return count ? static_cast<std::int32_t>(*count) : -1;
}

std::int64_t JsonWalker::seconds_ns(const JsonNode& n, std::int64_t fallback) {
  constexpr double kMaxSeconds = 9.2e9;  // int64 nanoseconds reach 9.22e9 s
  const auto s = Core::number(n, 0, kMaxSeconds, "a non-negative number of seconds");
  return s ? std::llround(*s * 1e9) : fallback;
}

std::size_t JsonWalker::one_of(const JsonNode& n, std::initializer_list<std::string_view> choices,
                               std::size_t fallback) {
  const std::vector<std::string> values(choices.begin(), choices.end());
  return Core::choice(n, values).value_or(fallback);
}

std::optional<Histogram> JsonWalker::histogram(const JsonNode& n) {
  constexpr const char* kWhat = "an encoded histogram (\"lgh1:...\")";
  const auto encoded = Core::text(n, kWhat);
  if (!encoded) return std::nullopt;
  auto h = Histogram::decode(*encoded);
  if (h) return std::move(*h);
  expected(n, kWhat, h.error());
  return std::nullopt;
}

std::string JsonWalker::report(std::size_t limit) const {
  std::string out;
  for (std::size_t i = 0; i < errors.size() && i < limit; ++i) {
    const auto& e = errors[i];
    out += (i == 0 ? "" : "\n") + source_ + ": " + (e.pointer.empty() ? "(top level)" : e.pointer) +
           ": " + e.message;
  }
  if (errors.size() > limit) {
    out += "\n... and " + std::to_string(errors.size() - limit) + " more errors";
  }
  return out;
}

}  // namespace lg::reports
