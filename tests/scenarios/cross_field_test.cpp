// Rules across keys (scenarios/cross_field.h): each broken rule is one error whose pointer and
// `related` keys are every key involved, all of them named in the message with the numbers;
// a rule judges only values that are right on their own; sensible combinations load.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "scenarios/scenario_loader.h"

using Catch::Matchers::Contains;

namespace {

using json = nlohmann::ordered_json;
using Strings = std::vector<std::string>;

// An embedded-stack scenario (no target) with `extra` members merged in (JSON object text);
// a member set to null is removed.
std::string stack_scenario(const std::string& extra) {
  auto doc = json::parse(R"({"schema_version": 1, "steps": [{"users": 1, "duration": "1s"}]})");
  doc.merge_patch(json::parse(extra));
  return doc.dump();
}

std::string target_scenario(const std::string& extra) {
  auto doc = json::parse(stack_scenario(R"({"target": "http://127.0.0.1:8080"})"));
  doc.merge_patch(json::parse(extra));
  return doc.dump();
}

// The file's only error, with its pointer and related keys; a cross-field error (one with
// related keys) names each of them in its message.
lg::scenarios::ScenarioError only_error(const std::string& text, const std::string& pointer,
                                        const Strings& related) {
  const auto got = lg::scenarios::parse_scenario(text, "x.json");
  INFO(text);
  REQUIRE_FALSE(got.has_value());
  const auto& errors = got.error().errors;
  INFO(got.error().to_string());
  REQUIRE(errors.size() == 1);
  const auto& e = errors[0];
  CHECK(e.pointer == pointer);
  CHECK(e.related == related);
  if (!related.empty()) CHECK_THAT(e.message, Contains(pointer));
  for (const auto& r : related) CHECK_THAT(e.message, Contains(r));
  return e;
}

void loads(const std::string& text) {
  const auto got = lg::scenarios::parse_scenario(text, "x.json");
  INFO(text);
  INFO((got ? std::string() : got.error().to_string()));
  CHECK(got.has_value());
}

constexpr const char* kFourSteps = R"("steps": [{"rate": "10/s", "duration": "1s"},
    {"rate": "100/s", "duration": "1s"}, {"rate": "50/s", "duration": "1s"},
    {"rate": "500/s", "duration": "1s", "ramp": "2s"}, {"rate": "20/s", "duration": "1s"}])";

}  // namespace

TEST_CASE("cross-field: a connection cap that cannot carry the peak rate at the timeout",
          "[cross-field]") {
  const auto e = only_error(
      stack_scenario(std::string(R"({"connections": 100, "timeout": "5s", )") + kFourSteps + "}"),
      "/connections", {"/timeout", "/steps/3/rate"});
  // 100 connections / 5 s = 20/s; 500/s x 5 s needs 2500.
  CHECK_THAT(e.message, Contains("/connections 100 carry at most 20/s at /timeout 5s"));
  CHECK_THAT(e.message, Contains("/steps/3/rate asks for 500/s"));
  CHECK_THAT(e.message, Contains("at least 2500"));
  // Exactly enough, or no explicit cap (automatic): fine.
  loads(
      stack_scenario(std::string(R"({"connections": 2500, "timeout": "5s", )") + kFourSteps + "}"));
  loads(stack_scenario(std::string(R"({"timeout": "5s", )") + kFourSteps + "}"));
}

TEST_CASE("cross-field: the connection cap rule names users, rate_per_user and a default timeout",
          "[cross-field]") {
  const auto e = only_error(stack_scenario(R"({"connections": 200, "rate_per_user": "10/s",
                         "steps": [{"users": 5, "duration": "1s"}, {"users": 50, "duration": "1s"}]})"),
                            "/connections", {"/timeout", "/steps/1/users", "/rate_per_user"});
  CHECK_THAT(e.message, Contains("5s (the default)"));
  CHECK_THAT(e.message, Contains("500/s (50 users x /rate_per_user 10/s)"));
  CHECK_THAT(e.message, Contains("at least 2500"));
}

TEST_CASE("cross-field: a bad step or timeout gives its own error only, not the cap rule",
          "[cross-field]") {
  only_error(stack_scenario(R"({"connections": 1, "steps": [{"rate": "fast", "duration": "1s"},
                                {"rate": "900/s", "duration": "1s"}]})"),
             "/steps/0/rate", {});
  only_error(stack_scenario(R"({"connections": 1, "timeout": "0s"})"), "/timeout", {});
  only_error(
      stack_scenario(R"({"connections": 0, "steps": [{"rate": "900/s", "duration": "1s"}]})"),
      "/connections", {});
}

TEST_CASE("cross-field: stack.replicas min above max names both keys", "[cross-field]") {
  const auto both = only_error(stack_scenario(R"({"stack": {"replicas": {"min": 5, "max": 3}}})"),
                               "/stack/replicas/min", {"/stack/replicas/max"});
  CHECK_THAT(both.message, Contains("/stack/replicas/min 5 must not exceed /stack/replicas/max 3"));
  // Against a default: the given key is the pointer, the default is said to be one.
  const auto min = only_error(stack_scenario(R"({"stack": {"replicas": {"min": 12}}})"),
                              "/stack/replicas/min", {"/stack/replicas/max"});
  CHECK_THAT(min.message, Contains("/stack/replicas/max 10 (the default)"));
  const auto max = only_error(stack_scenario(R"({"stack": {"replicas": {"max": 1}}})"),
                              "/stack/replicas/max", {"/stack/replicas/min"});
  CHECK_THAT(max.message, Contains("/stack/replicas/min 2 (the default)"));
  // A bad min is its own error, not also a comparison with max.
  only_error(stack_scenario(R"({"stack": {"replicas": {"min": 0, "max": 1}}})"),
             "/stack/replicas/min", {});
  loads(stack_scenario(R"({"stack": {"replicas": {"min": 3, "max": 3}}})"));
}

TEST_CASE("cross-field: target with stack, or with checks of the embedded stack", "[cross-field]") {
  only_error(target_scenario(R"({"stack": {"replicas": {"min": 1}}})"), "/stack", {"/target"});
  const auto replicas = only_error(target_scenario(R"({"slo": {"replicas": "within_bounds"}})"),
                                   "/slo/replicas", {"/target"});
  CHECK_THAT(replicas.message, Contains("embedded stack"));
  for (const auto* check : {"balance <= 1.5", "scale_gap >= 5s", "replicas.max <= 4",
                            "unhealthy < 5s", "scale_errors == 0"}) {
    CAPTURE(check);
    const auto e =
        only_error(target_scenario(json{{"slo", {{"checks", {"p95 < 1s", check}}}}}.dump()),
                   "/slo/checks/1", {"/target"});
    CHECK_THAT(e.message, Contains(check));
  }
  // Without a target they judge the embedded stack; latency checks suit any target.
  loads(stack_scenario(R"({"slo": {"replicas": "within_bounds", "checks": ["balance <= 1.5"]}})"));
  loads(target_scenario(R"({"slo": {"p95": "1s", "checks": ["errors.http_5xx == 0"]}})"));
}

TEST_CASE("cross-field: a deadline on a step the schedule does not have", "[cross-field]") {
  // Two file steps and a ramp: three steps, numbered from 1.
  const std::string steps = R"("steps": [{"rate": "10/s", "duration": "5s"},
                                         {"rate": "50/s", "duration": "5s", "ramp": "2s"}])";
  loads(stack_scenario("{" + steps +
                       R"(, "slo": {"checks": ["replicas >= 3 within 10s of step 3"]}})"));
  const auto e =
      only_error(stack_scenario("{" + steps +
                                R"(, "slo": {"checks": ["replicas >= 3 within 10s of step 4"]}})"),
                 "/slo/checks/0", {"/steps"});
  CHECK_THAT(e.message, Contains("step 4"));
  CHECK_THAT(e.message, Contains("makes 3 steps"));
}

TEST_CASE("cross-field: a fault check on a fault /faults does not make", "[cross-field]") {
  // A kill (one action) and a pause (two actions, one fault): two faults, numbered from 1.
  const std::string steps_and_faults = R"("steps": [{"users": 1, "duration": "20s"}],
      "faults": [{"at": "2s", "kind": "kill", "target": "replica:1"},
                 {"at": "5s", "kind": "pause", "target": "db", "duration": "2s"}])";
  const auto with = [&](const std::string& check) {
    return stack_scenario("{" + steps_and_faults + R"(, "slo": {"checks": ["p95 < 1s", ")" + check +
                          R"("]}})");
  };
  loads(with("recovers within 15s of fault 2"));
  loads(with("errors during fault 1 < 5%"));
  const auto e = only_error(with("replaced within 30s of fault 3"), "/slo/checks/1", {"/faults"});
  CHECK_THAT(e.message, Contains("\"replaced within 30s of fault 3\" refers to fault 3"));
  CHECK_THAT(e.message, Contains("/faults makes 2 faults"));
  only_error(with("errors during fault 9 < 5%"), "/slo/checks/1", {"/faults"});
  // No /faults at all.
  const auto none =
      only_error(stack_scenario(R"({"slo": {"checks": ["recovers within 15s of fault 1"]}})"),
                 "/slo/checks/0", {"/faults"});
  CHECK_THAT(none.message, Contains("refers to fault 1, but the scenario has no /faults"));
  // A broken /faults gives its own error only.
  only_error(stack_scenario(R"({"steps": [{"users": 1, "duration": "20s"}],
      "faults": [{"at": "2s", "kind": "kill", "target": "replica:0"}],
      "slo": {"checks": ["recovers within 15s of fault 2"]}})"),
             "/faults/0/target", {});
}

TEST_CASE("cross-field: slo.min_rps above the peak step rate can never pass", "[cross-field]") {
  const auto e =
      only_error(stack_scenario(std::string(R"({"slo": {"min_rps": 600}, )") + kFourSteps + "}"),
                 "/slo/min_rps", {"/steps/3/rate"});
  CHECK_THAT(e.message, Contains("/slo/min_rps 600"));
  CHECK_THAT(e.message, Contains("500/s"));
  loads(stack_scenario(std::string(R"({"slo": {"min_rps": 500}, )") + kFourSteps + "}"));
}

TEST_CASE("cross-field: autoscaler keys read by another algorithm than the one chosen",
          "[cross-field]") {
  const std::string alg = "/stack/autoscaler/algorithm";
  const auto factor = only_error(stack_scenario(R"({"stack": {"autoscaler": {"factor": 2}}})"),
                                 "/stack/autoscaler/factor", {alg});
  CHECK_THAT(factor.message, Contains("\"exponential\""));
  CHECK_THAT(factor.message, Contains("linear (the default)"));
  only_error(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "predictive",
                                "target": {"metric": "rps", "value": 80}}}})"),
             "/stack/autoscaler/target", {alg});
  only_error(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "target_tracking",
                                "scale_down": {"cpu": 10}}}})"),
             "/stack/autoscaler/scale_down", {alg});
  // An unknown algorithm is its own error only.
  only_error(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "psychic", "factor": 2}}})"),
             alg, {});
  loads(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "exponential", "factor": 2}}})"));
  loads(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "target_tracking",
                           "target": {"metric": "rps", "value": 80}}}})"));
}

TEST_CASE("cross-field: a scale_down threshold at or above its scale_up one", "[cross-field]") {
  const std::string up = "/stack/autoscaler/scale_up/", down = "/stack/autoscaler/scale_down/";
  const auto both = only_error(stack_scenario(R"({"stack": {"autoscaler": {"scale_up": {"cpu": 50},
                         "scale_down": {"cpu": 50}}}})"),
                               down + "cpu", {up + "cpu"});
  CHECK_THAT(both.message, Contains(down + "cpu 50 must be below " + up + "cpu 50"));
  const auto def = only_error(
      stack_scenario(R"({"stack": {"autoscaler": {"scale_up": {"response_time": "150ms"}}}})"),
      up + "response_time", {down + "response_time"});
  CHECK_THAT(def.message, Contains("200ms (the default)"));
  only_error(
      stack_scenario(R"({"stack": {"autoscaler": {"scale_down": {"rps_per_replica": 100}}}})"),
      down + "rps_per_replica", {up + "rps_per_replica"});
  loads(stack_scenario(R"({"stack": {"autoscaler": {"scale_up": {"cpu": 40},
                           "scale_down": {"cpu": 20}}}})"));
}

TEST_CASE("cross-field: an autoscaler window shorter than its check interval", "[cross-field]") {
  const std::string w = "/stack/autoscaler/window", ci = "/stack/autoscaler/check_interval";
  const auto e = only_error(
      stack_scenario(R"({"stack": {"autoscaler": {"check_interval": "5s", "window": "3s"}}})"), w,
      {ci});
  CHECK_THAT(e.message, Contains(w + " 3s must be at least " + ci + " 5s"));
  // Predictive needs two samples in the window.
  const auto p = only_error(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "predictive",
                                              "check_interval": "2s", "window": "3s"}}})"),
                            w, {ci, "/stack/autoscaler/algorithm"});
  CHECK_THAT(p.message, Contains("2 x " + ci + " 2s = 4s"));
  // Against the default window (60s): the check interval is the pointer.
  only_error(stack_scenario(R"({"stack": {"autoscaler": {"check_interval": "90s"}}})"), ci, {w});
  loads(stack_scenario(R"({"stack": {"autoscaler": {"algorithm": "predictive",
                           "check_interval": "2s", "window": "4s"}}})"));
}

TEST_CASE("cross-field: several broken rules are all reported", "[cross-field]") {
  const auto got = lg::scenarios::parse_scenario(
      stack_scenario(R"({"connections": 1, "stack": {"replicas": {"min": 4, "max": 2}},
                         "slo": {"min_rps": 5}})"),
      "x.json");
  REQUIRE_FALSE(got.has_value());
  INFO(got.error().to_string());
  Strings pointers;
  for (const auto& e : got.error().errors) pointers.push_back(e.pointer);
  std::sort(pointers.begin(), pointers.end());
  CHECK(pointers == Strings{"/connections", "/slo/min_rps", "/stack/replicas/min"});
}
