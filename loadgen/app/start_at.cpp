#include "loadgen/app/start_at.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "loadgen/core/exit_codes.h"

namespace lg::app {
namespace {

using namespace std::chrono;

constexpr milliseconds kPoll{50};  // how soon an interrupt ends the wait
// Years 1970..2200 (nanoseconds since the epoch fit an int64 until 2262).
constexpr std::int64_t kMaxEpochSeconds = 7'258'118'400;  // 2200-01-01T00:00:00Z
constexpr std::int64_t kMinYear = 1970, kMaxYear = 2199;

std::string accepted(std::string_view text, std::string_view why = {}) {
  return "--start-at: expected unix epoch seconds (e.g. 1767225600 or 1767225600.5) or ISO 8601 "
         "UTC YYYY-MM-DDTHH:MM:SS[.fff]Z (e.g. 2026-01-01T12:00:00Z), got '" +
         std::string(text) + "'" + (why.empty() ? "" : " (" + std::string(why) + ")");
}

// `n` decimal digits at text[pos..], or nullopt.
std::optional<std::int64_t> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// ".fff" fraction digits (at least one) as nanoseconds; digits past the 9th are ignored.
std::optional<nanoseconds> fraction(std::string_view frac) {
  if (frac.empty()) return std::nullopt;
  std::int64_t ns = 0;
  for (std::size_t i = 0; i < frac.size(); ++i) {
    if (frac[i] < '0' || frac[i] > '9') return std::nullopt;
    if (i < 9) ns = ns * 10 + (frac[i] - '0');
  }
  for (std::size_t i = frac.size(); i < 9; ++i) ns *= 10;
  return nanoseconds(ns);
}

std::expected<WallTime, std::string> parse_epoch(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = text.substr(0, dot);
  std::int64_t secs = 0;
  const auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
  if (whole.empty() || ec != std::errc{} || p != whole.data() + whole.size() || secs < 0)
    return std::unexpected(accepted(text));
  if (secs >= kMaxEpochSeconds) return std::unexpected(accepted(text, "after the year 2199"));
  nanoseconds frac{0};
  if (dot != std::string_view::npos) {
    auto f = fraction(text.substr(dot + 1));
    if (!f) return std::unexpected(accepted(text));
    frac = *f;
  }
  return WallTime(seconds(secs) + frac);
}

std::expected<WallTime, std::string> parse_iso(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then [.fff], then Z.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (text.size() < kShape.size() + 1 || text.back() != 'Z') return std::unexpected(accepted(text));
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] != 'd' && text[i] != kShape[i]) return std::unexpected(accepted(text));
  }
  const auto y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const auto h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s) return std::unexpected(accepted(text));
  if (*y < kMinYear || *y > kMaxYear)
    return std::unexpected(accepted(text, "year outside 1970..2199"));
  nanoseconds frac{0};
  const auto rest = text.substr(kShape.size(), text.size() - kShape.size() - 1);
  if (!rest.empty()) {
    auto f = rest[0] == '.' ? fraction(rest.substr(1)) : std::nullopt;
    if (!f) return std::unexpected(accepted(text));
    frac = *f;
  }
  const year_month_day date{year(static_cast<int>(*y)), month(static_cast<unsigned>(*mo)),
                            day(static_cast<unsigned>(*d))};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 59)
    return std::unexpected(accepted(text, "no such date or time"));
  return WallTime(sys_days(date)) + hours(*h) + minutes(*mi) + seconds(*s) + frac;
}

std::string secs_text(nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", duration<double>(d).count());
  return buf;
}

// Seconds, or hours from an hour on (a date typo is easier to see that way).
std::string span_text(nanoseconds d) {
  if (d < hours(1)) return secs_text(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f h", duration<double, std::ratio<3600>>(d).count());
  return buf;
}

}  // namespace

std::expected<WallTime, std::string> parse_start_at(std::string_view text) {
  if (text.find('-') != std::string_view::npos) return parse_iso(text);
  return parse_epoch(text);
}

std::expected<WallTime, std::string> check_start_at(std::string_view text, WallTime now) {
  auto at = parse_start_at(text);
  if (!at) return at;
  const auto ahead = *at - now;
  const auto where = "--start-at: '" + std::string(text) + "' (" + format_wall_time(*at) + ") ";
  const auto now_text = "the current time is " + format_wall_time(now);
  if (ahead > kStartAtMaxAhead)
    return std::unexpected(where + "is " + span_text(ahead) + " ahead and " + now_text +
                           "; at most 24 h ahead is accepted");
  if (ahead < -kStartAtMaxLate)
    return std::unexpected(where + "passed " + span_text(-ahead) + " ago and " + now_text +
                           "; at most 5 s late is accepted (pick an instant a little ahead, "
                           "the same for every shard)");
  return at;
}

std::expected<std::optional<WallTime>, int> resolve_start_at(
    const std::optional<std::string>& value) {
  if (!value) return std::optional<WallTime>();
  auto at = check_start_at(*value, system_clock::now());
  if (!at) {
    std::cerr << "loadgen: " << at.error() << '\n';
    return std::unexpected(kExitInvalidInput);
  }
  return std::optional<WallTime>(*at);
}

std::string format_wall_time(WallTime t) {
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long long>(time.hours().count()),
                static_cast<long long>(time.minutes().count()),
                static_cast<long long>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()));
  return buf;
}

bool wait_for_start(WallTime at, const std::atomic<bool>& stop, bool quiet) {
  if (!quiet) {
    const auto left = std::max(nanoseconds(0), at - system_clock::now());
    std::fprintf(stderr, "loadgen: waiting %s for --start-at\n", secs_text(left).c_str());
  }
  while (!stop.load()) {
    const auto left = at - system_clock::now();
    if (left <= nanoseconds(0)) return true;
    std::this_thread::sleep_for(std::min<nanoseconds>(left, kPoll));
  }
  return false;
}

}  // namespace lg::app
