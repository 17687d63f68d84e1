// Scenario files -> Scenario (scenario.h). Parsed strictly at the edge (DESIGN.md section 6):
// unknown keys, wrong types and out-of-range values are errors, and every error is reported, each
// naming the file, the JSON pointer, the bad value and what is accepted. Rules that relate several
// keys (cross_field.h) name every key involved. scenarios/schema.json documents the format and
// tests/scenarios/schema_test.cpp holds it to accepted_keys() and to this loader.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/json/error.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_keys.h"  // accepted_keys(): every key the loader accepts

namespace lg::scenarios {

// One error: its JSON pointer ("/steps/2/duration"), the message (what is wrong, the bad value
// and what is accepted) and, for a cross-field error, the other keys involved (`related`).
using ScenarioError = lg::json::Error;

struct LoadErrors {
  std::string file;
  std::vector<ScenarioError> errors;
  std::string to_string() const;  // one line per error: "FILE: POINTER: MESSAGE"
};

// Parses scenario text (the file name is only used in messages).
std::expected<Scenario, LoadErrors> parse_scenario(std::string_view text, std::string_view file);
std::expected<Scenario, LoadErrors> load_scenario(const std::filesystem::path& path);

}  // namespace lg::scenarios
