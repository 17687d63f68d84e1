// Durations and rates as written on the command line and in scenario files, and their human
// formatting for reports. Pure functions; nothing throws.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace lg {

// "<number><unit>" -> nanoseconds. The number is a non-negative decimal without sign or exponent
// ("250", "1.5", ".5"); the unit is required: ns, us (or µs), ms, s, m or min, h. Exact decimal
// arithmetic, rounded to the nearest nanosecond ("1.0000000004s" -> 1,000,000,000 ns).
// Range: 0 .. INT64_MAX ns (about 292 years). Errors (empty, negative, missing or unknown unit,
// malformed number, overflow) name the bad text and list what is accepted.
std::expected<std::int64_t, std::string> parse_duration(std::string_view text);

// "<number>/<unit>" -> requests per second, with unit s, m or min, h ("1500/s", "2/min",
// "100/h"). The number is a non-negative decimal without sign or exponent; the result is
// finite and >= 0. Errors name the bad text and list what is accepted.
std::expected<double, std::string> parse_rate(std::string_view text);

// Microseconds as 3 significant digits in the largest unit that keeps the number >= 1:
// "850us", "1.23ms", "2.50s", "500ns"; seconds are the largest unit ("1230s"). "0us" for 0,
// a leading '-' for negatives, "n/a" for NaN or infinity.
std::string format_duration_us(double microseconds);

// Nanoseconds exactly, as an integer in the largest unit that divides them: "30s", "1500ms",
// "1500us", "7ns" ("0s" for 0). parse_duration() reads it back to the same value.
std::string format_duration_exact(std::int64_t ns);

// Requests per second as 3 significant digits with trailing zeros dropped and a k/M/G suffix:
// "1.5k/s", "950/s", "12.3/s", "0.0333/s". Rates below 0.001/s print as "0/s"; negatives get a
// leading '-'; NaN or infinity print "n/a".
std::string format_rate(double per_second);

}  // namespace lg
