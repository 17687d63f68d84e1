// Parsing of "<number><unit>" durations and "<number>/<unit>" rates, and their formatting.
#include "loadgen/core/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <system_error>

namespace lg {

namespace {

// Exact products of a decimal (<= 10^20, see Decimal) and a unit factor (< 2^42 ns per hour).
__extension__ typedef unsigned __int128 u128;  // __extension__: no -Wpedantic warning

struct Unit {
  std::string_view name;
  std::uint64_t factor;  // nanoseconds (durations) or seconds (rates) per unit
};

constexpr std::array<Unit, 8> kDurationUnits{{{"ns", 1},
                                              {"us", 1'000},
                                              {"\u00b5s", 1'000},
                                              {"ms", 1'000'000},
                                              {"s", 1'000'000'000},
                                              {"m", 60'000'000'000},
                                              {"min", 60'000'000'000},
                                              {"h", 3'600'000'000'000}}};
constexpr std::array<Unit, 4> kRateUnits{{{"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}}};

constexpr std::string_view kDurationHelp =
    "expected a non-negative number followed by a unit (ns, us, ms, s, m or min, h), "
    "e.g. \"250ms\" or \"1.5s\"";
constexpr std::string_view kRateHelp =
    "expected a non-negative number, '/' and a unit (s, m or min, h), e.g. \"1500/s\" or "
    "\"2/min\"";

// The bad text as quoted in an error, cut to a readable length.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 48;
  if (text.size() <= kMax) return '"' + std::string(text) + '"';
  return '"' + std::string(text.substr(0, kMax)) + "...\"";
}

std::string error(std::string_view kind, std::string_view text, std::string_view why,
                  std::string_view help) {
  return "invalid " + std::string(kind) + ' ' + quoted(text) + ": " + std::string(why) + "; " +
         std::string(help);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the leading "digits [. digits]" of text; 0 if there is no digit in it.
std::size_t number_length(std::string_view text) {
  std::size_t n = 0, digits = 0;
  while (n < text.size() && is_digit(text[n])) ++n, ++digits;
  if (n < text.size() && text[n] == '.') {
    ++n;
    while (n < text.size() && is_digit(text[n])) ++n, ++digits;
  }
  return digits == 0 ? 0 : n;
}

// Why "<number><rest>" has no valid number, for the error text.
std::string_view number_problem(std::string_view text) {
  if (text.empty()) return "empty";
  if (text.front() == '-') return "must not be negative";
  return "missing or malformed number";
}

template <std::size_t N>
const Unit* find_unit(const std::array<Unit, N>& units, std::string_view name) {
  for (const auto& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// A decimal "123.456" split exactly: int_part = 123, frac = 456, frac_scale = 1000. Fraction
// digits past the 18th are dropped (below 1e-18 of a unit, far under a nanosecond).
struct Decimal {
  u128 int_part = 0;  // saturates at 10^20, which overflows every caller anyway
  std::uint64_t frac = 0;
  std::uint64_t frac_scale = 1;
};

Decimal split_decimal(std::string_view number) {
  Decimal d;
  std::size_t i = 0;
  for (; i < number.size() && number[i] != '.'; ++i) {
    d.int_part = std::min<u128>(d.int_part * 10 + static_cast<unsigned>(number[i] - '0'),
                                u128{100'000'000'000'000'000} * 1000);
  }
  for (++i; i < number.size() && d.frac_scale < 1'000'000'000'000'000'000; ++i) {
    d.frac = d.frac * 10 + static_cast<unsigned>(number[i] - '0');
    d.frac_scale *= 10;
  }
  return d;
}

// number * factor rounded to the nearest integer (halves up), if it fits in int64.
std::expected<std::int64_t, std::string_view> scale_exact(std::string_view number,
                                                          std::uint64_t factor) {
  const Decimal d = split_decimal(number);
  const u128 whole = d.int_part * factor;
  const u128 part = (u128{d.frac} * factor + d.frac_scale / 2) / d.frac_scale;
  const u128 total = whole + part;
  if (total > static_cast<u128>(std::numeric_limits<std::int64_t>::max()))
    return std::unexpected("too large (at most 9223372036854775807ns, about 292 years)");
  return static_cast<std::int64_t>(total);
}

// 3 significant digits: how many decimals to print v (>= 0.9995) with.
int decimals_for_3_digits(double v) {
  return v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
}

std::string fixed(double v, int decimals) {
  std::array<char, 400> buf{};  // fixed notation of DBL_MAX is 309 digits
  const auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, decimals);
  if (ec != std::errc{}) return "n/a";
  return std::string(buf.data(), end);
}

std::string strip_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string format_duration_positive(double us) {
  struct Scale {
    std::string_view name;
    double per_us;  // multiply (ns) or divide (others) by an exact power of ten
    bool multiply;
  };
  constexpr std::array<Scale, 4> kScales{
      {{"ns", 1000.0, true}, {"us", 1.0, false}, {"ms", 1e3, false}, {"s", 1e6, false}}};
  for (std::size_t i = us < 1.0 ? 0 : 1; i < kScales.size(); ++i) {
    const auto& s = kScales[i];
    const double v = s.multiply ? us * s.per_us : us / s.per_us;
    if (v < 999.5 || i + 1 == kScales.size())
      return fixed(v, v < 1.0 ? 2 : decimals_for_3_digits(v)) + std::string(s.name);
  }
  return "n/a";  // not reached: the last scale always returns
}

std::string format_rate_positive(double per_second) {
  constexpr std::array<std::string_view, 4> kSuffixes{"", "k", "M", "G"};
  std::size_t i = 0;
  double v = per_second;
  while (v >= 999.5 && i + 1 < kSuffixes.size()) v /= 1000.0, ++i;
  // Below 1: keep 3 significant digits after the leading zeros (0.0333).
  const int decimals =
      v >= 0.9995 ? decimals_for_3_digits(v) : 2 - static_cast<int>(std::floor(std::log10(v)));
  return strip_zeros(fixed(v, decimals)) + std::string(kSuffixes[i]) + "/s";
}

}  // namespace

std::expected<std::int64_t, std::string> parse_duration(std::string_view text) {
  const std::size_t n = number_length(text);
  if (n == 0) return std::unexpected(error("duration", text, number_problem(text), kDurationHelp));
  const std::string_view unit_text = text.substr(n);
  if (unit_text.empty())
    return std::unexpected(error("duration", text, "missing unit", kDurationHelp));
  const Unit* unit = find_unit(kDurationUnits, unit_text);
  if (unit == nullptr)
    return std::unexpected(
        error("duration", text, "unknown unit " + quoted(unit_text), kDurationHelp));
  auto ns = scale_exact(text.substr(0, n), unit->factor);
  if (!ns) return std::unexpected(error("duration", text, ns.error(), kDurationHelp));
  return *ns;
}

std::expected<double, std::string> parse_rate(std::string_view text) {
  const std::size_t n = number_length(text);
  if (n == 0) return std::unexpected(error("rate", text, number_problem(text), kRateHelp));
  if (n == text.size() || text[n] != '/')
    return std::unexpected(error("rate", text, "missing \"/<unit>\" after the number", kRateHelp));
  const std::string_view unit_text = text.substr(n + 1);
  const Unit* unit = find_unit(kRateUnits, unit_text);
  if (unit == nullptr)
    return std::unexpected(error("rate", text, "unknown unit " + quoted(unit_text), kRateHelp));
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + n, value, std::chars_format::fixed);
  if (ec != std::errc{} || end != text.data() + n || !std::isfinite(value))
    return std::unexpected(error("rate", text, "number too large", kRateHelp));
  return value / static_cast<double>(unit->factor);
}

std::string format_duration_us(double microseconds) {
  if (!std::isfinite(microseconds)) return "n/a";
  if (microseconds < 0) return '-' + format_duration_positive(-microseconds);
  if (microseconds == 0) return "0us";
  return format_duration_positive(microseconds);
}

std::string format_duration_exact(std::int64_t ns) {
  // Largest first, up to seconds: "120s" as --help and scenario errors write it, not "2m".
  constexpr std::array<Unit, 3> kExact{{{"s", 1'000'000'000}, {"ms", 1'000'000}, {"us", 1'000}}};
  for (const auto& u : kExact) {
    const auto factor = static_cast<std::int64_t>(u.factor);
    if (ns % factor == 0) return std::to_string(ns / factor) + std::string(u.name);
  }
  return std::to_string(ns) + "ns";
}

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second)) return "n/a";
  if (per_second < 0) return '-' + format_rate(-per_second);
  if (per_second < 0.001) return "0/s";
  return format_rate_positive(per_second);
}

}  // namespace lg
