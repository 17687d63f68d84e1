// `--start-at TIME`: shards started by different processes (or machines, or a Kubernetes Job
// whose pods come up seconds apart) begin their schedules at one agreed wall-clock instant, so
// their timelines line up when merged. The wait comes after any embedded-stack bring-up and
// before the first arrival; it is on the wall clock (the machines' NTP-synchronised time).
#pragma once
#include <atomic>
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace lg::app {

using WallTime = std::chrono::sys_time<std::chrono::nanoseconds>;

// How far from now an instant is accepted: a day ahead at most (a typo in the date is more
// likely than a planned wait that long), a few seconds late at most (a shard that starts late
// would not line up with the others; up to this much it starts at once).
inline constexpr std::chrono::hours kStartAtMaxAhead{24};
inline constexpr std::chrono::seconds kStartAtMaxLate{5};

// Parses TIME: unix epoch seconds, decimals allowed ("1767225600", "1767225600.25"), or ISO
// 8601 UTC "YYYY-MM-DDTHH:MM:SS[.fff]Z" (any number of fraction digits, up to 9 used). Strict:
// the whole text, real calendar dates, hours 0..23. The error says what is accepted.
std::expected<WallTime, std::string> parse_start_at(std::string_view text);

// parse_start_at() and the range check against `now`; errors name the flag, the value and the
// current time.
std::expected<WallTime, std::string> check_start_at(std::string_view text, WallTime now);

// The value of --start-at (nullopt when not given) checked against the current time. A bad
// value is printed and returned as the exit code (invalid input), before anything starts.
std::expected<std::optional<WallTime>, int> resolve_start_at(
    const std::optional<std::string>& value);

// "2026-01-01T12:00:00.250Z": an instant as ISO 8601 UTC to the millisecond.
std::string format_wall_time(WallTime t);

// Sleeps until `at` on the wall clock, waking every 50 ms to look at `stop` (SIGINT/SIGTERM).
// Prints "loadgen: waiting N s for --start-at" unless quiet. Returns false if stopped.
bool wait_for_start(WallTime at, const std::atomic<bool>& stop, bool quiet);

}  // namespace lg::app
