// The scenario's "actions" and "faults" keys (scenarios/action_list.h): timed actions load into
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

// An embedded-stack scenario of 10 s with `faults` (JSON text); `target`: a URL instead.
std::string with_faults(const std::string& faults, const char* target = nullptr) {
  auto doc = json::parse(R"({"schema_version": 1, "steps": [{"users": 1, "duration": "10s"}]})");
  if (target != nullptr) doc["target"] = target;
  doc["faults"] = json::parse(faults);
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

// The "faults" key (read_faults): kill and pause faults on the embedded stack load as
// numbered timed actions, a pause with its resume; faults against a URL target are refused.
TEST_CASE("faults: a kill and a pause load as numbered actions, the pause with its resume",
          "[scenario][faults]") {
  const auto plan = loads(with_faults(R"([{"at": "2s", "kind": "kill", "target": "replica:1"},
      {"at": "5s", "kind": "pause", "target": "db", "duration": "1.5s"}])"));
  REQUIRE(plan.actions.size() == 3);
  CHECK(plan.actions[0].kind == "kill");
  CHECK(plan.actions[0].target == "replica:1");
  CHECK(plan.actions[0].at_ns == 2'000'000'000);
  CHECK(plan.actions[0].fault == 1);
  CHECK(plan.actions[1].kind == "pause");
  CHECK(plan.actions[1].at_ns == 5'000'000'000);
  CHECK(plan.actions[1].fault == 2);
  CHECK(plan.actions[2].kind == "resume");
  CHECK(plan.actions[2].target == "db");
  CHECK(plan.actions[2].at_ns == 6'500'000'000);
  CHECK(plan.actions[2].fault == 2);
}

TEST_CASE("faults: each bad fault is an error at its pointer", "[scenario][faults]") {
  const auto e1 =
      only_error(with_faults(R"([{"at": "1s", "kind": "kill", "target": "replica:0"}])"));
  CHECK(e1.pointer == "/faults/0/target");
  CHECK_THAT(e1.message, Contains("'replica:0' is not a fault target (accepted: replica:N"));

  const auto e2 = only_error(with_faults(R"([{"at": "1s", "kind": "pause", "target": "db"}])"));
  CHECK(e2.pointer == "/faults/0/duration");
  CHECK_THAT(e2.message, Contains("missing (how long the pause lasts"));

  const auto e3 = only_error(
      with_faults(R"([{"at": "1s", "kind": "kill", "target": "db", "duration": "1s"}])"));
  CHECK(e3.pointer == "/faults/0/duration");
  CHECK_THAT(e3.message, Contains("a kill is done at once and takes no duration"));

  const auto e4 = only_error(with_faults(R"([{"at": "1s", "kind": "kill"}])"));
  CHECK(e4.pointer == "/faults/0/target");
  CHECK_THAT(e4.message, Contains("missing (what the fault acts on: replica:N"));

  const auto e5 = only_error(with_faults(R"([{"at": "1s", "kind": "explode", "target": "db"}])"));
  CHECK(e5.pointer == "/faults/0/kind");
  CHECK_THAT(e5.message, Contains("kill"));

  const auto e6 = only_error(
      with_faults(R"([{"at": "9s", "kind": "pause", "target": "db", "duration": "2s"}])"));
  CHECK(e6.pointer == "/faults/0/duration");
  CHECK_THAT(e6.message,
             Contains("the pause would end at 11.0s, not before the end of the plan (10.0s)"));

  const auto e7 = only_error(
      with_faults(R"([{"at": "1s", "kind": "pause", "target": "db", "duration": "0s"}])"));
  CHECK(e7.pointer == "/faults/0/duration");
  CHECK_THAT(e7.message, Contains("must be above 0"));

  const auto e8 =
      only_error(with_faults(R"([{"at": "1s", "kind": "kill", "target": "db", "x": 1}])"));
  CHECK(e8.pointer == "/faults/0/x");
}

TEST_CASE("faults: network and cpu faults load with their params as the executor reads them",
          "[scenario][faults]") {
  const auto plan = loads(with_faults(R"([
      {"at": "1s", "kind": "latency", "target": "replica:1", "duration": "2s",
       "params": {"ms": 200}},
      {"at": "2s", "kind": "jitter", "target": "replica:any", "duration": "1s",
       "params": {"jitter_ms": 50, "direction": "both"}},
      {"at": "3s", "kind": "bandwidth", "target": "replica:2", "duration": "1s",
       "params": {"kbps": 12.5, "direction": "up"}},
      {"at": "4s", "kind": "reset", "target": "replica:1", "duration": "1s"},
      {"at": "5s", "kind": "hang", "target": "db", "duration": "1s"},
      {"at": "6s", "kind": "cpu", "duration": "1.5s", "params": {"cores": 2}}])"));
  REQUIRE(plan.actions.size() == 12);  // each with its clear
  const auto& a = plan.actions;
  CHECK(a[0].params == "down.latency_ms=200");
  CHECK(a[1].kind == "clear");
  CHECK(a[1].at_ns == 3'000'000'000);
  CHECK(a[1].fault == 1);
  CHECK(a[1].target == "replica:1");
  CHECK(a[2].params ==
        "down.latency_ms=50 up.latency_ms=50 down.jitter_ms=50 up.jitter_ms=50");  // ms = jitter
  CHECK(a[4].params == "up.kbps=12.5");
  CHECK(a[6].params == "reset=1");
  CHECK(a[8].params == "hang=1");
  CHECK(a[8].target == "db");  // the app's connections to MariaDB
  CHECK(a[10].kind == "cpu");
  CHECK(a[10].target == "host");               // a cpu fault's only target, the default
  CHECK(a[10].params == "cores=2 seconds=3");  // 1.5 s rounded up, + 1 s: stress-ng's backstop
  CHECK(a[11].kind == "clear");
  CHECK(a[11].fault == 6);
}

TEST_CASE("faults: network and cpu faults refuse what does not suit them", "[scenario][faults]") {
  const auto [faults, pointer, says] = GENERATE(table<std::string, std::string, std::string>({
      {R"([{"at": "1s", "kind": "latency", "target": "replica:1", "params": {"ms": 5}}])",
       "/faults/0/duration", "missing (how long the latency lasts"},
      {R"([{"at": "1s", "kind": "latency", "target": "replica:1", "duration": "1s"}])",
       "/faults/0/params/ms", "missing (the delay in ms"},
      {R"([{"at": "1s", "kind": "latency", "target": "autoscaler", "duration": "1s",
            "params": {"ms": 5}}])",
       "/faults/0/target",
       "acts on the network between HAProxy and a replica, or between the app and MariaDB"},
      {R"([{"at": "1s", "kind": "hang", "target": "replica:1/fpm", "duration": "1s"}])",
       "/faults/0/target", "accepted: replica:N (N >= 1), replica:any, db"},
      {R"([{"at": "1s", "kind": "hang", "target": "replica:1", "duration": "1s",
            "params": {"ms": 5}}])",
       "/faults/0/params/ms", "a hang fault takes no params"},
      {R"([{"at": "1s", "kind": "latency", "target": "replica:1", "duration": "1s",
            "params": {"ms": 5, "kbps": 3}}])",
       "/faults/0/params/kbps", "a latency fault takes only ms, direction"},
      {R"([{"at": "1s", "kind": "latency", "target": "replica:1", "duration": "1s",
            "params": {"ms": 5, "direction": "sideways"}}])",
       "/faults/0/params/direction", "sideways"},
      {R"([{"at": "1s", "kind": "bandwidth", "target": "replica:1", "duration": "1s",
            "params": {"kbps": 0}}])",
       "/faults/0/params/kbps", ""},
      {R"([{"at": "1s", "kind": "cpu", "target": "replica:1", "duration": "1s"}])",
       "/faults/0/target", "a cpu fault burns the host's cores; accepted: host"},
      {R"([{"at": "1s", "kind": "cpu", "duration": "1s", "params": {"cores": 1.5}}])",
       "/faults/0/params/cores", "a whole number of cores"},
      {R"([{"at": "1s", "kind": "cpu", "duration": "1s", "params": {"cores": 65}}])",
       "/faults/0/params/cores", ""},
      {R"([{"at": "1s", "kind": "kill", "target": "db", "params": {"ms": 1}}])",
       "/faults/0/params/ms", "a kill fault takes no params"},
  }));
  CAPTURE(faults);
  const auto e = only_error(with_faults(faults));
  CHECK(e.pointer == pointer);
  CHECK_THAT(e.message, Contains(says));
}

TEST_CASE("faults: two network faults on one target at once are refused", "[scenario][faults]") {
  const auto e = only_error(with_faults(R"([
      {"at": "1s", "kind": "latency", "target": "replica:1", "duration": "3s",
       "params": {"ms": 5}},
      {"at": "2s", "kind": "cpu", "duration": "1s"},
      {"at": "3s", "kind": "hang", "target": "replica:1", "duration": "1s"}])"));
  CHECK(e.pointer == "/faults/2");
  CHECK_THAT(e.message, Contains("while fault 1 (/faults/0) still acts on it"));
  // Back to back, or on another target, is fine.
  const auto plan = loads(with_faults(R"([
      {"at": "1s", "kind": "latency", "target": "replica:1", "duration": "2s",
       "params": {"ms": 5}},
      {"at": "3s", "kind": "hang", "target": "replica:1", "duration": "1s"},
      {"at": "1s", "kind": "hang", "target": "replica:2", "duration": "5s"}])"));
  CHECK(plan.actions.size() == 6);
}

TEST_CASE("faults: refused against a URL target, naming the fault", "[scenario][faults]") {
  const auto e = only_error(
      with_faults(R"([{"at": "1s", "kind": "kill", "target": "db"}])", "http://127.0.0.1:8080"));
  CHECK(e.pointer == "/faults/0");
  CHECK_THAT(e.message, Contains("a kill acts on the embedded stack's processes"));
  CHECK_THAT(e.message, Contains("remove \"faults\" or the target"));
}
