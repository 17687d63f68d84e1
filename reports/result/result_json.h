// result.json: the source of truth for every report (DESIGN.md section 7). Versioned:
// kResultSchemaVersion changes whenever a field changes meaning or disappears.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/result/run_record.h"
#include "validators/evaluate.h"

namespace lg::reports {

inline constexpr int kResultSchemaVersion = 1;

// One pass/fail judgement with its evidence, in words: the validators' own type.
using Check = validators::Check;

nlohmann::json to_json(const RunRecord& rec, const std::vector<Check>& checks);

// result.json's "scenario": the plan as run.
nlohmann::json scenario_json(const RunPlan& plan, const std::optional<StackSpec>& stack = {},
                             const std::vector<validators::Slo>& slos = {});

// Writes DIR/result.json atomically (a temporary file renamed into place), creating DIR.
std::expected<std::filesystem::path, std::string> write_result(const nlohmann::json& doc,
                                                               const std::filesystem::path& dir);

// Writes `file` exactly (e.g. `loadgen merge OUT.json`), the same way: a temporary file in its
// folder renamed into place, creating the folder.
std::expected<std::filesystem::path, std::string> write_result_file(
    const nlohmann::json& doc, const std::filesystem::path& file);

}  // namespace lg::reports
