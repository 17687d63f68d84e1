// The scenario's "actions" key (scenarios/action_list.h): timed actions load into
// RunPlan::actions in the file's order; a bad time, an unknown kind or key, a missing member
// and a time at or past the plan's end are errors naming the pointer and the bad value.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "scenarios/scenario_loader.h"

using Catch::Matchers::Contains;

namespace {

using json = nlohmann::ordered_json;
using Strings = std::vector<std::string>;

// A target scenario of 2.5 s (1 s, a 500 ms ramp, 1 s) with `actions` (JSON text) as its
// "actions".
std::string with_actions(const std::string& actions) {
  auto doc = json::parse(R"({"schema_version": 1, "target": "http://127.0.0.1:8080",
      "steps": [{"users": 1, "duration": "1s"}, {"users": 2, "duration": "1s", "ramp": "500ms"}]})");
  doc["actions"] = json::parse(actions);
  return doc.dump();
}

lg::RunPlan loads(const std::string& text) {
  const auto got = lg::scenarios::parse_scenario(text, "a.json");
  INFO((got ? std::string() : got.error().to_string()));
  REQUIRE(got.has_value());
  return got->run;
}

// The file's only error.
lg::scenarios::ScenarioError only_error(const std::string& text) {
  const auto got = lg::scenarios::parse_scenario(text, "a.json");
  INFO(text);
  REQUIRE_FALSE(got.has_value());
  INFO(got.error().to_string());
  REQUIRE(got.error().errors.size() == 1);
  return got.error().errors[0];
}

}  // namespace

TEST_CASE("actions: a list of timed actions loads in the file's order", "[scenario][actions]") {
  const auto plan = loads(with_actions(R"([{"at": "2.2s", "kind": "noop", "target": "r2"},
      {"at": "0s", "kind": "noop"}, {"at": "1250ms", "kind": "noop", "target": ""}])"));
  REQUIRE(plan.actions.size() == 3);
  CHECK(plan.actions[0].at_ns == 2'200'000'000);  // within the ramp-lengthened plan (2.5 s)
  CHECK(plan.actions[0].kind == "noop");
  CHECK(plan.actions[0].target == "r2");
  CHECK(plan.actions[1].at_ns == 0);
  CHECK(plan.actions[1].target.empty());  // optional
  CHECK(plan.actions[2].at_ns == 1'250'000'000);
}

TEST_CASE("actions: none by default, and an empty list is none", "[scenario][actions]") {
  CHECK(
      loads(R"({"schema_version": 1, "steps": [{"users": 1, "duration": "1s"}]})").actions.empty());
  CHECK(loads(with_actions("[]")).actions.empty());
}

TEST_CASE("actions: a time at or past the plan's end names the key, the value and the length",
          "[scenario][actions]") {
  const auto at = GENERATE(std::string("2.5s"), std::string("3s"), std::string("1h"));
  const auto e = only_error(with_actions(R"([{"at": ")" + at + R"(", "kind": "noop"}])"));
  CHECK(e.pointer == "/actions/0/at");
  CHECK(e.related == Strings{"/steps"});
  CHECK_THAT(e.message, Contains("/actions/0/at \"" + at + "\""));
  CHECK_THAT(e.message, Contains("/steps last 2.50s"));
  CHECK_THAT(e.message, Contains("ramps included"));
}

TEST_CASE("actions: a bad time is one error at its pointer", "[scenario][actions]") {
  const auto [at, says] = GENERATE(table<std::string, std::string>({
      {R"("soon")", "soon"},
      {R"("-1s")", "-1s"},
      {R"("5")", "5"},
      {"5", "expected a duration string"},
      {"null", "expected a duration string"},
  }));
  CAPTURE(at);
  const auto e = only_error(
      with_actions(R"([{"at": "1s", "kind": "noop"}, {"at": )" + at + R"(, "kind": "noop"}])"));
  CHECK(e.pointer == "/actions/1/at");
  CHECK(e.related.empty());
  CHECK_THAT(e.message, Contains(says));
}

TEST_CASE("actions: only the noop kind is accepted for now", "[scenario][actions]") {
  const auto kind = GENERATE(std::string(R"("kill")"), std::string(R"("NOOP")"), std::string("1"));
  const auto e = only_error(with_actions(R"([{"at": "1s", "kind": )" + kind + "}]"));
  CHECK(e.pointer == "/actions/0/kind");
  CHECK_THAT(e.message, Contains("\"noop\""));
  if (kind == R"("kill")") CHECK_THAT(e.message, Contains("unknown value \"kill\""));
}

TEST_CASE("actions: missing members, unknown keys and wrong shapes are errors",
          "[scenario][actions]") {
  const auto [actions, pointer, says] = GENERATE(table<std::string, std::string, std::string>({
      {R"([{"kind": "noop"}])", "/actions/0/at", "missing"},
      {R"([{"at": "1s"}])", "/actions/0/kind", "missing"},
      {R"([{"at": "1s", "kind": "noop", "when": "now"}])", "/actions/0/when", "unknown key"},
      {R"([{"at": "1s", "kind": "noop", "target": 3}])", "/actions/0/target", "expected a string"},
      {R"(["noop"])", "/actions/0", "expected an object"},
      {R"({"at": "1s", "kind": "noop"})", "/actions", "expected an array"},
  }));
  CAPTURE(actions);
  const auto e = only_error(with_actions(actions));
  CHECK(e.pointer == pointer);
  CHECK_THAT(e.message, Contains(says));
}

TEST_CASE("actions: broken steps give their own error, not one about the action's time",
          "[scenario][actions]") {
  const auto e = only_error(R"({"schema_version": 1, "target": "http://127.0.0.1:8080",
      "steps": [{"users": 1, "duration": "forever"}], "actions": [{"at": "5s", "kind": "noop"}]})");
  CHECK(e.pointer == "/steps/0/duration");
}
