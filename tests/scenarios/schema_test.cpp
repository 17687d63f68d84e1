// scenarios/schema.json against the loader: the same key paths, JSON types and enumerations as
// accepted_keys() (which the loader itself uses for unknown keys and enumerations); and, by
// running the loader, the same required keys, patterns, numeric ranges and defaults, a wrong
// type at every key rejected with its pointer, and every shipped scenario accepted.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "scenarios/scenario_loader.h"
#include "tests/support/json_schema_paths.h"

namespace {

using json = nlohmann::ordered_json;
using lg::scenarios::find_key;
using lg::scenarios::JsonType;
using lg::scenarios::key_pattern;

// Tests run in the source directory (tests/CMakeLists.txt: WORKING_DIRECTORY).
const json& schema() {
  static const json doc = [] {
    std::ifstream in("scenarios/schema.json");
    return json::parse(in);
  }();
  return doc;
}

// Every property path of the schema, "*" for array items and open-map members, like
// accepted_keys(). Only the structural keywords are followed (not if/then/not, which restate
// cross-field rules).
const std::map<std::string, json>& schema_keys() {
  static const auto keys = lg::test::schema_property_paths(schema());
  return keys;
}

// A pattern made concrete: "*" is index 0 under an array, a header name under a map.
std::string concrete(const std::string& pattern) {
  std::string out;
  std::size_t at = 0;
  while (at < pattern.size()) {
    const auto next = std::min(pattern.find('/', at + 1), pattern.size());
    const auto seg = pattern.substr(at + 1, next - at - 1);
    const auto* parent = find_key(key_pattern(out));
    const bool array = parent != nullptr && parent->type == JsonType::kArray;
    out += "/" + (seg == "*" ? (array ? std::string("0") : std::string("X-Test")) : seg);
    at = next;
  }
  return out;
}

// A valid scenario (embedded stack) in which `pointer`'s parents exist, so that a value can be
// put there. The autoscaler's target and factor are read by one algorithm each; a request and
// an action start with their required keys.
json base_for(const std::string& pointer) {
  json doc = json::parse(R"({"schema_version": 1, "steps": [{"users": 1, "duration": "1s"}]})");
  if (pointer.starts_with("/stack/autoscaler/target")) {
    doc["stack"]["autoscaler"]["algorithm"] = "target_tracking";
  }
  if (pointer.starts_with("/stack/autoscaler/factor")) {
    doc["stack"]["autoscaler"]["algorithm"] = "exponential";
  }
  for (auto at = pointer.find('/', 1); at != std::string::npos; at = pointer.find('/', at + 1)) {
    const auto prefix = pointer.substr(0, at);
    const json::json_pointer p(prefix);
    if (doc.contains(p)) continue;
    const auto* spec = find_key(key_pattern(prefix));
    REQUIRE(spec != nullptr);
    if (key_pattern(prefix) == "/requests/*") {
      doc[p] = json{{"path", "/"}};
    } else if (key_pattern(prefix) == "/actions/*") {
      doc[p] = json{{"at", "0s"}, {"kind", "noop"}};
    } else if (key_pattern(prefix) == "/faults/*") {
      doc[p] = json{{"at", "0s"}, {"kind", "pause"}, {"target", "replica:1"}, {"duration", "0.5s"}};
    } else {
      doc[p] = spec->type == JsonType::kArray ? json::array() : json::object();
    }
  }
  return doc;
}

std::expected<lg::Scenario, lg::scenarios::LoadErrors> load(const json& doc) {
  return lg::scenarios::parse_scenario(doc.dump(), "probe.json");
}

// A single-key error at `pointer` (cross-field errors, which have `related` keys, are judged by
// cross_field_test.cpp).
bool rejects(const std::expected<lg::Scenario, lg::scenarios::LoadErrors>& got,
             const std::string& pointer) {
  if (got) return false;
  return std::any_of(got.error().errors.begin(), got.error().errors.end(),
                     [&](const auto& e) { return e.pointer == pointer && e.related.empty(); });
}

std::string errors_of(const std::expected<lg::Scenario, lg::scenarios::LoadErrors>& got) {
  return got ? std::string("(no errors)") : got.error().to_string();
}

// The scenario's fields a file can set, as text, to compare two plans.
std::string fingerprint(const lg::Scenario& sc) {
  const auto& p = sc.run;
  const lg::StackSpec stack = sc.stack.value_or(lg::StackSpec{});
  const auto& a = stack.autoscaler;
  json slos = json::array();
  for (const auto& s : sc.slos) slos.push_back(lg::validators::slo_source(s));
  json f = {p.name,
            p.target.host,
            p.target.port,
            p.target.base_path,
            sc.stack.has_value(),
            stack.min_replicas,
            stack.max_replicas,
            stack.fpm_children,
            stack.autoscaler_enabled,
            lg::to_string(a.algorithm),
            a.check_interval_s,
            a.cooldown_s,
            a.window_s,
            a.scale_down_stabilization_s,
            a.scale_up_cpu,
            a.scale_up_rps,
            a.scale_up_response_ms,
            a.scale_up_error_rate,
            a.scale_down_cpu,
            a.scale_down_rps,
            a.scale_down_response_ms,
            a.exponential_factor,
            lg::to_string(a.target_metric),
            a.target_value,
            static_cast<int>(p.arrival),
            p.connections,
            p.threads,
            p.timeout_ns,
            p.seed,
            slos};
  for (const auto& r : p.requests) f.push_back({r.method, r.path, r.headers, r.body, r.weight});
  for (const auto& s : p.steps) {
    f.push_back({s.label, s.users, s.start_rate, s.end_rate, s.duration_ns, s.warmup});
  }
  for (const auto& t : p.actions) f.push_back({t.at_ns, t.kind, t.target});
  return f.dump();
}

}  // namespace

TEST_CASE("schema: its property paths are exactly the loader's accepted keys", "[schema]") {
  std::set<std::string> in_schema, in_loader;
  for (const auto& [path, node] : schema_keys()) in_schema.insert(path);
  for (const auto& k : lg::scenarios::accepted_keys()) in_loader.insert(k.path);
  std::vector<std::string> only_schema, only_loader;
  std::set_difference(in_schema.begin(), in_schema.end(), in_loader.begin(), in_loader.end(),
                      std::back_inserter(only_schema));
  std::set_difference(in_loader.begin(), in_loader.end(), in_schema.begin(), in_schema.end(),
                      std::back_inserter(only_loader));
  CHECK(only_schema.empty());
  CHECK(only_loader.empty());
  CHECK(in_loader.size() == lg::scenarios::accepted_keys().size());  // no path listed twice
}

TEST_CASE("schema: JSON types and enumerations agree with the loader's table", "[schema]") {
  for (const auto& k : lg::scenarios::accepted_keys()) {
    CAPTURE(k.path);
    const auto it = schema_keys().find(k.path);
    REQUIRE(it != schema_keys().end());
    const auto& node = it->second;
    REQUIRE(node.contains("type"));
    CHECK(node["type"] == lg::scenarios::json_type_name(k.type));
    std::vector<std::string> values;
    for (const auto& v : node.value("enum", json::array())) {
      values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    CHECK(values == k.values);
  }
}

TEST_CASE("schema: every property is described and every object is closed", "[schema]") {
  CHECK(schema()["additionalProperties"] == false);
  for (const auto& [path, node] : schema_keys()) {
    CAPTURE(path);
    CHECK(node.value("description", "").size() > 10);
    if (node.value("type", "") != "object") continue;
    // An object lists its keys and refuses others, or is an open map of typed values (headers).
    if (node.contains("properties")) {
      CHECK(node["additionalProperties"] == false);
    } else {
      CHECK(node["additionalProperties"].is_object());
    }
  }
}

TEST_CASE("schema: every shipped scenario file loads with zero errors", "[schema]") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("scenarios")) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || path.filename() == "schema.json") continue;
    ++files;
    CAPTURE(path.string());
    const auto got = lg::scenarios::load_scenario(path);
    INFO(errors_of(got));
    CHECK(got.has_value());
  }
  CHECK(files >= 5);
}

TEST_CASE("schema: a wrong-typed value at each key is an error naming its pointer", "[schema]") {
  const std::vector<json> probes = {"x", 1.5, 7, true, json::object(), json::array(), nullptr};
  const auto has_type = [](const json& v, JsonType t) {
    return lg::scenarios::json_type_name(t) ==
               (v.is_number_integer() ? "integer" : v.type_name()) ||
           (t == JsonType::kNumber && v.is_number());
  };
  for (const auto& k : lg::scenarios::accepted_keys()) {
    const auto pointer = concrete(k.path);
    for (const auto& bad : probes) {
      if (has_type(bad, k.type)) continue;
      auto doc = base_for(pointer);
      doc[json::json_pointer(pointer)] = bad;
      CAPTURE(pointer, bad.dump());
      const auto got = load(doc);
      INFO(errors_of(got));
      CHECK(rejects(got, pointer));
    }
  }
}

TEST_CASE("schema: required keys are required by the loader, and only those", "[schema]") {
  std::vector<std::string> required;
  for (const auto& name : schema()["required"]) required.push_back("/" + name.get<std::string>());
  for (const auto& [path, node] : schema_keys()) {
    for (const auto& name : node.value("required", json::array())) {
      required.push_back(path + "/" + name.get<std::string>());
    }
  }
  CHECK(required.size() == 8);  // a fault's target is not: a cpu fault defaults to host
  for (const auto& pattern : required) {
    const auto pointer = concrete(pattern);
    auto doc = base_for(pointer);
    const json::json_pointer p(pointer);
    REQUIRE(doc.contains(p));  // the base scenario has every required key
    doc[p.parent_pointer()].erase(p.back());
    CAPTURE(pointer, doc.dump());
    const auto got = load(doc);
    REQUIRE_FALSE(got.has_value());
    const auto& errors = got.error().errors;
    CHECK(std::any_of(errors.begin(), errors.end(), [&](const auto& e) {
      return e.pointer == pointer && e.message.find("missing") != std::string::npos;
    }));
  }
  // Nothing else is required: the smallest scenario has the required keys and a step's rate.
  const auto got = load(json::parse(R"({"schema_version": 1, "steps": [{"users": 1,
                                        "duration": "1s"}], "requests": [{"path": "/"}]})"));
  INFO(errors_of(got));
  CHECK(got.has_value());
}

TEST_CASE("schema: duration, rate and latency patterns accept what the loader accepts",
          "[schema]") {
  // In range for every such key: durations in [1 ms, 100 s] (a step is at least 1 ms long).
  const std::vector<std::string> probes = {
      "250ms",     "1.5s",  ".5s",   "5.s",  "1m",    "1min",   "1500us", "1500\u00b5s",
      "1000000ns", "0.01h", "1/s",   "30/m", "2/min", "100/h",  "1500/s", ".5/s",
      "500",       "1.5",   " 1s",   "1s\t", "5%",    "",       "s",      "10sec",
      "-1s",       "+1s",   "1e3s",  "1 s",  "1S",    "1.5.5s", "1/sec",  "1 /s",
      "/s",        "-1/s",  "5/day", "1s1",  "1/s/s", "ms"};
  std::size_t judged = 0;
  for (const auto& [path, node] : schema_keys()) {
    if (!node.contains("pattern") || path == "/target") continue;  // a URL: parse_url judges it
    const std::regex pattern(node["pattern"].get<std::string>(), std::regex::ECMAScript);
    const auto pointer = concrete(path);
    for (const auto& probe : probes) {
      auto doc = base_for(pointer);
      doc[json::json_pointer(pointer)] = probe;
      CAPTURE(pointer, probe);
      const auto got = load(doc);
      INFO(errors_of(got));
      CHECK(std::regex_search(probe, pattern) == !rejects(got, pointer));
      ++judged;
    }
  }
  CHECK(judged >= 15 * probes.size());
}

TEST_CASE("schema: the target pattern admits every URL the loader accepts", "[schema]") {
  const std::regex pattern(schema_keys().at("/target")["pattern"].get<std::string>());
  for (const std::string url : {"http://h", "http://127.0.0.1:8080", "http://h/base/", "https://h",
                                "h:80", "ftp://h", "HTTP://h", "http://h:0"}) {
    CAPTURE(url);
    const auto got = load(json{{"schema_version", 1},
                               {"target", url},
                               {"steps", json::parse(R"([{"users": 1, "duration": "1s"}])")}});
    if (got) CHECK(std::regex_search(url, pattern));
    if (!std::regex_search(url, pattern)) CHECK(rejects(got, "/target"));
  }
}

TEST_CASE("schema: minimum and maximum are the loader's bounds", "[schema]") {
  std::size_t judged = 0;
  for (const auto& [path, node] : schema_keys()) {
    const bool integer = node.value("type", "") == "integer";
    const auto pointer = concrete(path);
    const auto probe = [&](const json& value, bool accepted) {
      auto doc = base_for(pointer);
      doc[json::json_pointer(pointer)] = value;
      CAPTURE(pointer, value.dump());
      const auto got = load(doc);
      INFO(errors_of(got));
      CHECK(rejects(got, pointer) == !accepted);
      ++judged;
    };
    if (node.contains("minimum")) {
      const auto& lo = node["minimum"];
      probe(lo, true);
      if (integer) probe(lo.get<std::int64_t>() - 1, false);
      if (!integer) probe(lo.get<double>() - std::max(1e-6, lo.get<double>() * 1e-3), false);
    }
    if (node.contains("maximum")) {
      const auto& hi = node["maximum"];
      probe(hi, true);
      if (integer && hi.get<std::uint64_t>() < UINT64_MAX)
        probe(hi.get<std::uint64_t>() + 1, false);
      if (!integer) probe(hi.get<double>() + std::max(1e-6, hi.get<double>() * 1e-3), false);
    }
  }
  CHECK(judged >= 40);
}

TEST_CASE("schema: each documented default is what the loader uses without the key", "[schema]") {
  std::size_t judged = 0;
  for (const auto& [path, node] : schema_keys()) {
    if (!node.contains("default")) continue;
    const auto pointer = concrete(path);
    const auto without = base_for(pointer);
    auto with = without;
    with[json::json_pointer(pointer)] = node["default"];
    CAPTURE(pointer, without.dump(), with.dump());
    const auto a = load(without), b = load(with);
    INFO(errors_of(a) + errors_of(b));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(fingerprint(*a) == fingerprint(*b));
    ++judged;
  }
  CHECK(judged >= 30);
}
