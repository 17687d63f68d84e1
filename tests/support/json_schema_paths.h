// What a JSON Schema file describes, for the tests that hold a schema against its code
// (reports/result/result.schema.json against the writer, scenarios/schema.json against the loader).
// Only the structural keywords are followed: properties, items, additionalProperties and local
// "$ref"s to "#/$defs/NAME" (not if/then/not, which restate cross-field rules). Works with
// nlohmann::json and nlohmann::ordered_json.
#pragma once
#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace lg::test {

// The definition a local "$ref" of `node` names in `schema`; the test fails if there is none.
template <typename Json>
const Json& schema_definition(const Json& schema, const Json& node) {
  const auto ref = node["$ref"].template get<std::string>();
  REQUIRE(ref.starts_with("#/$defs/"));
  const auto& defs = schema["$defs"];
  REQUIRE(defs.contains(ref.substr(8)));
  return defs[ref.substr(8)];
}

// `node` with its "$ref" merged in, for looking things up; its own keys win.
template <typename Json>
Json schema_resolved(const Json& schema, const Json& node) {
  if (!node.contains("$ref")) return node;
  Json out = schema_definition(schema, node);
  for (const auto& [k, v] : node.items()) {
    if (k != "$ref") out[k] = v;
  }
  return out;
}

namespace detail {
template <typename Json>
void walk_schema(const Json& schema, const Json& node, const std::string& path,
                 std::map<std::string, Json>& out) {
  if (node.contains("properties")) {
    for (const auto& [k, sub] : node["properties"].items()) {
      const Json resolved = schema_resolved(schema, sub);
      out[path + "/" + k] = resolved;
      walk_schema(schema, resolved, path + "/" + k, out);
    }
  }
  for (const char* each : {"items", "additionalProperties"}) {
    if (node.contains(each) && node[each].is_object()) {
      const Json resolved = schema_resolved(schema, node[each]);
      out[path + "/*"] = resolved;
      walk_schema(schema, resolved, path + "/*", out);
    }
  }
}
}  // namespace detail

// Every property path of the schema ("/steps/*/duration", "*" standing for array items and
// open-map members), each with its (resolved) schema node.
template <typename Json>
std::map<std::string, Json> schema_property_paths(const Json& schema) {
  std::map<std::string, Json> out;
  detail::walk_schema(schema, schema, "", out);
  return out;
}

}  // namespace lg::test
