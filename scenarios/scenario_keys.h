// The scenario format's keys as one table. The loader checks unknown keys and enumerations
// against it, and tests/scenarios/schema_test.cpp holds scenarios/schema.json to it, so the
// documented schema and the parser's behaviour cannot drift apart.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/json/type.h"

namespace lg::scenarios {

// One set of JSON types for this table and for the walker that checks values against it.
using JsonType = lg::json::Type;

// JSON Schema's name for the type: "string", "integer", "number", "boolean", "object", "array".
std::string_view json_type_name(JsonType t);

struct KeySpec {
  // JSON-pointer-like: "/stack/autoscaler/cooldown", "/requests/*/method". "*" stands for any
  // array index (under an array) or any member name (under an open map such as headers).
  std::string path;
  JsonType type = JsonType::kString;
  // An enumeration's accepted values: strings as they are, numbers as JSON writes them ("1").
  // Empty: not an enumeration.
  std::vector<std::string> values;
};

// Every key the loader accepts, parents before children, in the order the README lists them.
const std::vector<KeySpec>& accepted_keys();

// The entry for a pattern such as "/steps/*/rate"; nullptr if the format has no such key.
const KeySpec* find_key(std::string_view pattern);

// The pattern for a concrete pointer: "/steps/3/rate" -> "/steps/*/rate",
// "/requests/0/headers/X-A" -> "/requests/*/headers/*". Unknown segments are kept as they are.
std::string key_pattern(std::string_view pointer);

// The member names accepted directly under an object's pattern ("" is the top level), in
// table order; {"*"} for an open map.
std::vector<std::string> child_keys(std::string_view pattern);

}  // namespace lg::scenarios
