// The autoscaler's event log (JSON lines, one scale event or recovery per line) read back
// into StackEvents whose times are aligned with the run's own clock.
#pragma once
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "stack/model/observed.h"

namespace lg::reports {

// `run_start_unix_ms`: the run's t = 0 on the wall clock (RunResult::started_unix_ms). A
// missing file is no error (no events); a malformed line is, naming the file and line.
std::expected<std::vector<StackEvent>, std::string> read_stack_events(
    const std::filesystem::path& file, double run_start_unix_ms);

// "2026-11-22T04:20:01.123Z" (or without fraction) -> ms since the epoch; nullopt if not
// that shape.
std::optional<double> parse_iso_utc_ms(const std::string& text);

}  // namespace lg::reports
