// reports/result/result.schema.json against the writer (reports/result/result_json.cpp), both ways: every key
// path of a full to_json() document is described in the schema with the JSON type it is written
// with, and every property the schema declares (each of a nullable property's types) shows up
// in that document, so neither side can drift. A minimal validator of the subset of JSON Schema
// the file uses then validates whole documents: the rich fixture, a run with no steps, and the
// golden file (tests/data/golden/result.json).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reports/result/result_json.h"
#include "tests/reports/report_fixture.h"
#include "tests/support/json_schema_paths.h"

namespace {

using nlohmann::json;

// Tests run in the source directory (tests/CMakeLists.txt: WORKING_DIRECTORY).
json read_json_file(const std::string& path) {
  std::ifstream in(path);
  INFO(path << " not found: run the tests from the source root (ctest does)");
  REQUIRE(in.good());
  return json::parse(in);
}

const json& schema() {
  static const json doc = read_json_file("reports/result/result.schema.json");
  return doc;
}

const json& definition(const json& node) {
  return lg::test::schema_definition(schema(), node);
}

std::set<std::string> types_of(const json& node) {
  std::set<std::string> out;
  if (!node.contains("type")) return out;
  if (node["type"].is_string()) return {node["type"].get<std::string>()};
  for (const auto& t : node["type"]) out.insert(t.get<std::string>());
  return out;
}

// A value's JSON Schema type, strictly: a whole number stored as a double is "number", since
// the writer's integers are C++ integers and a count written as 2.0 would be a change of type.
std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();  // null, boolean, string, array, object
}

// Every property path of the schema, "*" standing for array items and open-map members.
const std::map<std::string, json>& schema_paths() {
  static const auto paths = lg::test::schema_property_paths(schema());
  return paths;
}

// The key paths of a document, in the schema's terms (array items and map members as "*"),
// with the JSON types seen at each. A key the schema does not describe is listed as such.
struct DocPaths {
  std::map<std::string, std::set<std::string>> types;
  std::set<std::string> undescribed;
};

void walk_doc(const json& v, const std::string& path, DocPaths& out) {
  out.types[path].insert(type_name(v));
  const auto it = schema_paths().find(path);
  const json node = path.empty() ? schema() : it == schema_paths().end() ? json() : it->second;
  if (v.is_array()) {
    for (const auto& item : v) walk_doc(item, path + "/*", out);
  } else if (v.is_object()) {
    const bool map = node.is_object() && node.contains("additionalProperties") &&
                     node["additionalProperties"].is_object();
    for (const auto& [k, sub] : v.items()) {
      const auto child = path + "/" + (map ? std::string("*") : k);
      if (!schema_paths().contains(child)) {
        out.undescribed.insert(child);
        continue;
      }
      walk_doc(sub, child, out);
    }
  }
}

DocPaths paths_of(const json& doc) {
  DocPaths out;
  walk_doc(doc, "", out);
  out.types.erase("");
  return out;
}

// The subset of JSON Schema draft 2020-12 the file uses, checked the standard way except that
// "integer" means a value stored as an integer (type_name above). A keyword outside the subset
// is an error, so the schema cannot come to rely on something this test does not check.
class Validator {
 public:
  std::vector<std::string> errors;

  void check(const json& v, const json& node, const std::string& ptr) {
    for (const auto& [k, arg] : node.items()) {
      if (!kKnown.contains(k)) fail(ptr, "a schema without \"" + k + "\" (not checked here)");
    }
    if (node.contains("$ref")) check(v, definition(node), ptr);
    if (node.contains("type")) {
      const auto allowed = types_of(node);
      const auto t = type_name(v);
      if (!allowed.contains(t) && !(t == "integer" && allowed.contains("number"))) {
        std::string names;
        for (const auto& a : allowed) names += (names.empty() ? "" : " or ") + a;
        fail(ptr, "type " + names + ", found " + v.dump());
        return;  // the keywords below assume the type
      }
    }
    if (node.contains("enum")) {
      const auto& e = node["enum"];
      if (std::find(e.begin(), e.end(), v) == e.end()) fail(ptr, "one of " + e.dump());
    }
    if (v.is_number()) {
      if (node.contains("minimum") && v.get<double>() < node["minimum"].get<double>()) {
        fail(ptr, ">= " + node["minimum"].dump() + ", found " + v.dump());
      }
      if (node.contains("maximum") && v.get<double>() > node["maximum"].get<double>()) {
        fail(ptr, "<= " + node["maximum"].dump() + ", found " + v.dump());
      }
    }
    if (v.is_array()) check_array(v, node, ptr);
    if (v.is_object()) check_object(v, node, ptr);
  }

 private:
  // The keywords checked here, and those that constrain nothing ($schema, title, description,
  // $defs: reached through $ref).
  inline static const std::set<std::string> kKnown = {
      "$schema",  "title", "description", "$defs",    "$ref",
      "type",     "enum",  "minimum",     "maximum",  "properties",
      "required", "items", "minItems",    "maxItems", "additionalProperties"};

  void fail(const std::string& ptr, const std::string& expected) {
    errors.push_back((ptr.empty() ? "/" : ptr) + ": expected " + expected);
  }

  void check_array(const json& v, const json& node, const std::string& ptr) {
    if (node.contains("minItems") && v.size() < node["minItems"].get<std::size_t>()) {
      fail(ptr, "at least " + node["minItems"].dump() + " items");
    }
    if (node.contains("maxItems") && v.size() > node["maxItems"].get<std::size_t>()) {
      fail(ptr, "at most " + node["maxItems"].dump() + " items");
    }
    if (!node.contains("items")) return;
    for (std::size_t i = 0; i < v.size(); ++i) {
      check(v[i], node["items"], ptr + "/" + std::to_string(i));
    }
  }

  void check_object(const json& v, const json& node, const std::string& ptr) {
    for (const auto& name : node.value("required", json::array())) {
      if (!v.contains(name.get<std::string>()))
        fail(ptr, "a key \"" + name.get<std::string>() + "\"");
    }
    const auto props = node.value("properties", json::object());
    for (const auto& [k, sub] : v.items()) {
      const auto at = ptr + "/" + k;
      if (props.contains(k)) {
        check(sub, props[k], at);
      } else if (node.contains("additionalProperties")) {
        const auto& extra = node["additionalProperties"];
        if (extra == false) errors.push_back(at + ": not allowed (not in the schema)");
        if (extra.is_object()) check(sub, extra, at);
      }
    }
  }
};

std::vector<std::string> validate(const json& doc) {
  Validator v;
  v.check(doc, schema(), "");
  return v.errors;
}

template <typename Strings>
std::string lines(const Strings& items) {
  constexpr std::size_t kMax = 20;  // one breakage repeats in every timeline second
  std::string out;
  std::size_t n = 0;
  for (const auto& s : items) {
    if (n++ < kMax) out += "  " + s + "\n";
  }
  if (n > kMax) out += "  ... and " + std::to_string(n - kMax) + " more\n";
  return out;
}

// The report fixture with every optional part of the writer's output present, each nullable
// field both known and unknown: replicas unread during the warm-up step (its timeline seconds
// and its summary), an event the autoscaler logged without its own clock, a request with
// headers and a body, the replicas' load, and timed actions fired and not.
lg::reports::RunRecord rich_result() {
  auto rec = lg::test::fixture_result();
  auto& r = rec.result;
  const auto warmup_end = r.steps[0].end_ns / 1'000'000'000;
  for (auto& p : r.timeline) {
    if (p.second < warmup_end) p.replicas = p.healthy = -1;
  }
  r.steps[0].replicas = {};
  rec.observed.events[0].own_s = -1;
  r.plan.requests.push_back({"POST",
                             "/api/item",
                             {{"Content-Type", "application/json"}, {"X-Run", "schema"}},
                             R"({"name": "n{{seq}}"})",
                             3});
  rec.observed.replica_load = {
      {"r1", 2940, 2881.5, 60}, {"r2", 2833, 2881.5, 60}, {"r3", 1710, 1702.0, 38}};
  // A timed action that fired and one that never did (fired_s both ways).
  r.actions = {{"noop", "r2", 20'000'000'000, 20'000'350'000, "done", true},
               {"noop", "", 59'000'000'000, -1, "run interrupted first", false}};
  return rec;
}

json rich_doc() {
  return lg::reports::to_json(rich_result(), lg::test::fixture_checks());
}

// A run that stopped before its first step: no steps, no timeline, no checks, and every other
// enumeration's second value (closed loop, Poisson arrivals).
json tiny_doc() {
  lg::RunResult r;
  r.plan.mode = lg::LoopMode::kClosed;
  r.plan.arrival = lg::Arrival::kPoisson;
  r.plan.connections = 4;
  r.interrupted = true;
  return lg::reports::to_json(r, {});
}

}  // namespace

TEST_CASE("result schema: every key the writer emits is described, with its JSON type",
          "[schema][result_json]") {
  const auto doc = paths_of(rich_doc());
  INFO("keys of to_json() the schema does not describe:\n" << lines(doc.undescribed));
  CHECK(doc.undescribed.empty());
  for (const auto& [path, seen] : doc.types) {
    CAPTURE(path);
    const auto it = schema_paths().find(path);
    if (it == schema_paths().end()) continue;  // listed above
    // Exactly the declared types: a nullable field must be seen both ways in the fixture.
    std::vector<std::string> declared;
    for (const auto& t : types_of(it->second)) declared.push_back(t);
    const std::vector<std::string> written(seen.begin(), seen.end());
    CHECK(written == declared);
  }
}

TEST_CASE("result schema: every property it declares is in a full to_json document",
          "[schema][result_json]") {
  const auto doc = paths_of(rich_doc());
  std::vector<std::string> missing;
  for (const auto& [path, node] : schema_paths()) {
    if (!doc.types.contains(path)) missing.push_back(path);
  }
  INFO("declared by the schema, absent from to_json() of the rich fixture:\n" << lines(missing));
  CHECK(missing.empty());
  CHECK(schema_paths().size() > 150);  // the walk found the nested objects
}

TEST_CASE("result schema: every property is described, objects are closed, keys required",
          "[schema]") {
  CHECK(schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema");
  CHECK(schema()["properties"]["schema_version"]["enum"] ==
        json::array({lg::reports::kResultSchemaVersion}));
  std::map<std::string, json> nodes = schema_paths();
  nodes[""] = schema();
  for (const auto& [name, def] : schema()["$defs"].items()) nodes["$defs/" + name] = def;
  for (const auto& [path, node] : nodes) {
    CAPTURE(path);
    CHECK(node.value("description", "").size() > 10);  // meaning, units, valid range
    const auto types = types_of(node);
    if (!types.contains("object")) continue;
    if (node.contains("properties")) {
      // A record: the writer always writes every key it knows and no other.
      CHECK(node["additionalProperties"] == false);
      std::set<std::string> keys, required;
      for (const auto& [k, sub] : node["properties"].items()) keys.insert(k);
      for (const auto& k : node.value("required", json::array())) required.insert(k);
      CHECK(required == keys);
    } else {
      // A map keyed by names (an event's inputs): its values' schema.
      REQUIRE(node.contains("additionalProperties"));
      CHECK(node["additionalProperties"].is_object());
    }
  }
}

TEST_CASE("result schema: the rich fixture, an empty run and the golden file validate",
          "[schema][result_json]") {
  SECTION("rich fixture") {
    const auto errors = validate(rich_doc());
    INFO(lines(errors));
    CHECK(errors.empty());
  }
  SECTION("no steps, no timeline, no checks") {
    const auto doc = tiny_doc();
    REQUIRE(doc["steps"].empty());
    REQUIRE(doc["timeline"].empty());
    const auto errors = validate(doc);
    INFO(lines(errors));
    CHECK(errors.empty());
  }
  SECTION("tests/data/golden/result.json, as parsed from its text") {
    const auto errors = validate(read_json_file("tests/data/golden/result.json"));
    INFO(lines(errors));
    CHECK(errors.empty());
  }
}

TEST_CASE("result schema: the validator rejects what the schema forbids", "[schema]") {
  const auto doc = rich_doc();
  REQUIRE(validate(doc).empty());
  // One breakage each, and the pointer the validator names.
  const std::vector<std::pair<std::string, std::function<void(json&)>>> cases = {
      {"/summary: expected a key \"latency_ms\"",
       [](json& d) { d["summary"].erase("latency_ms"); }},
      {"/steps/1/extra: not allowed", [](json& d) { d["steps"][1]["extra"] = 1; }},
      {"/timeline/3/sent: expected type integer", [](json& d) { d["timeline"][3]["sent"] = "7"; }},
      {"/timeline/3/sent: expected type integer", [](json& d) { d["timeline"][3]["sent"] = 7.0; }},
      {"/timeline/0/replicas: expected >= 0", [](json& d) { d["timeline"][0]["replicas"] = -1; }},
      {"/scenario/mode: expected one of", [](json& d) { d["scenario"]["mode"] = "half-open"; }},
      {"/summary/error_rate: expected <= 1", [](json& d) { d["summary"]["error_rate"] = 1.5; }},
      {"/stack_events/1/inputs/cpu: expected type number",
       [](json& d) { d["stack_events"][1]["inputs"]["cpu"] = "82"; }},
      {"/scenario/requests/1/headers/0: expected at most 2 items",
       [](json& d) { d["scenario"]["requests"][1]["headers"][0].push_back("x"); }},
      {"/steps/0/errors/timeout: expected >= 0",
       [](json& d) { d["steps"][0]["errors"]["timeout"] = -2; }},
      {"/: expected a key \"replica_load\"", [](json& d) { d.erase("replica_load"); }},
      {"/actions/1/fired_s: expected >= 0", [](json& d) { d["actions"][1]["fired_s"] = -1; }},
      {"/actions/0: expected a key \"outcome\"", [](json& d) { d["actions"][0].erase("outcome"); }},
  };
  for (const auto& [expected, breakage] : cases) {
    auto broken = doc;
    breakage(broken);
    const auto errors = validate(broken);
    CAPTURE(expected);
    INFO(lines(errors));
    CHECK(std::any_of(errors.begin(), errors.end(),
                      [&](const std::string& e) { return e.starts_with(expected); }));
  }
}
