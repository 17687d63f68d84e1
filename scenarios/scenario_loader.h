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

#include "scenarios/scenario.h"
#include "scenarios/scenario_keys.h"  // accepted_keys(): every key the loader accepts

namespace lg::scenarios {

struct ScenarioError {
  std::string pointer;  // JSON pointer, e.g. "/steps/2/duration"
  std::string message;  // what is wrong, the bad value, and what is accepted
  // A cross-field error's other keys (the message names them too), e.g. {"/timeout",
  // "/steps/3/rate"} for an error at "/connections". Empty for a single key's error.
  std::vector<std::string> related;
};

struct LoadErrors {
  std::string file;
  std::vector<ScenarioError> errors;
  std::string to_string() const;  // one line per error: "FILE: POINTER: MESSAGE"
};

// Parses scenario text (the file name is only used in messages).
std::expected<Scenario, LoadErrors> parse_scenario(std::string_view text, std::string_view file);
std::expected<Scenario, LoadErrors> load_scenario(const std::filesystem::path& path);

}  // namespace lg::scenarios
