// Publishing a judged run: result.json, then report.html rendered from the same in-memory
// record (never re-read from the file just written). Used by a run and by `loadgen merge`.
#pragma once
#include <expected>
#include <filesystem>
#include <optional>
#include <string>

#include "reports/result/result_reader.h"

namespace lg::app {

// Writes `stored` to `result_file` atomically and prints "result: PATH"; then, if
// `report_file` is set, report.html there ("report: PATH"). The outcome is result.json: a
// report that cannot be written is said on stderr and is not an error (`loadgen report`
// retries). Returns the file written, or why result.json could not be.
std::expected<std::filesystem::path, std::string> publish(
    const reports::StoredResult& stored, const std::filesystem::path& result_file,
    const std::optional<std::filesystem::path>& report_file);

}  // namespace lg::app
