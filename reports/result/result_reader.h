// The inverse of to_json(): a stored result.json back into a RunResult and its checks, so that
// validate, report, compare and merge can work from stored results. to_json(result_from_json(
// to_json(r, c))) == to_json(r, c). Fields added to schema version 1 after its first files are
// optional, so older files read with defaults: scenario preconnect, slo, stack and
// max_dispatch_lag_s; started_unix_ms (else from started_at); per-step replicas and per-second
// replicas, healthy and rss_mb (else unknown / 0); generator lag (else the summary's lag, which
// it equals); an event's own_s; replica_load.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/result/result_json.h"

namespace lg::reports {

// A stored run: its record (result, stack, SLOs, what it saw of the stack) and its verdict.
struct StoredResult : RunRecord {
  std::vector<Check> checks;
  bool passed = false;       // the verdict as stored
  std::string tool_version;  // the loadgen that wrote it
};

// A run's record with its verdict, as a reader of its result.json would get it back: `passed`
// as to_json() writes it, the tool version this loadgen's.
StoredResult stored_result(RunRecord rec, std::vector<Check> checks);

// Reads FILE (or DIR/result.json when given a directory). Errors are one line each, naming the
// file and the JSON pointer: "out/result.json: /steps/2/completed: expected a non-negative
// integer, found \"abc\"". Every shape error is listed (up to 20).
std::expected<StoredResult, std::string> read_result(const std::filesystem::path& file);

// The same from a parsed document; `source_name` only labels the messages.
std::expected<StoredResult, std::string> result_from_json(const nlohmann::json& doc,
                                                          const std::string& source_name);

}  // namespace lg::reports
