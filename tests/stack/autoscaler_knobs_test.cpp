// Autoscaler knobs: validate() names every bad knob with its value and accepted range, the
// defaults are the seeds' numbers, the names used in scenario files round-trip, and the knob
// table converts them to loadgen-autoscaler's flags and back. The decisions themselves are in
// autoscaler_policy_test.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <string_view>

#include "stack/autoscaler/options.h"
#include "stack/autoscaler/policy.h"
#include "stack/model/autoscaler_knobs.h"

using namespace lg::stack::autoscaler;

TEST_CASE("autoscaler: validate names each bad knob, its value and the range", "[autoscaler]") {
  // One knob set to a bad value, the others left at their valid defaults -> exactly one error.
  auto [knob, value, error] = GENERATE(table<double Knobs::*, double, std::string>({
      {&Knobs::scale_down_cpu, 70, "scale_down_cpu = 70: must be >= 0 and < scale_up_cpu (70)"},
      {&Knobs::scale_up_cpu, 20, "scale_down_cpu = 30: must be >= 0 and < scale_up_cpu (20)"},
      {&Knobs::scale_down_cpu, -1, "scale_down_cpu = -1: must be >= 0 and < scale_up_cpu (70)"},
      {&Knobs::scale_down_rps, 100, "scale_down_rps = 100: must be >= 0 and < scale_up_rps (100)"},
      {&Knobs::scale_down_response_ms, 1500,
       "scale_down_response_ms = 1500: must be >= 0 and < scale_up_response_ms (1000)"},
      {&Knobs::scale_down_response_ms, std::nan(""),
       "scale_down_response_ms = nan: must be >= 0 and < scale_up_response_ms (1000)"},
      {&Knobs::scale_up_error_rate, 0, "scale_up_error_rate = 0: must be in (0, 1]"},
      {&Knobs::scale_up_error_rate, 1.5, "scale_up_error_rate = 1.5: must be in (0, 1]"},
      {&Knobs::check_interval_s, 0, "check_interval_s = 0: must be > 0"},
      {&Knobs::check_interval_s, -1, "check_interval_s = -1: must be > 0"},
      {&Knobs::window_s, 10,
       "window_s = 10: must be >= check_interval_s (30): it must hold a sample"},
      {&Knobs::cooldown_s, -1, "cooldown_s = -1: must be >= 0"},
      {&Knobs::cooldown_s, std::numeric_limits<double>::infinity(),
       "cooldown_s = inf: must be >= 0"},
      {&Knobs::scale_down_stabilization_s, -5, "scale_down_stabilization_s = -5: must be >= 0"},
      {&Knobs::exponential_factor, 1.2, "exponential_factor = 1.2: must be in [1.5, 2]"},
      {&Knobs::exponential_factor, 2.5, "exponential_factor = 2.5: must be in [1.5, 2]"},
      {&Knobs::target_value, 0, "target_value = 0: must be > 0"},
  }));
  CAPTURE(error);
  Knobs k;
  k.*knob = value;
  CHECK(validate(k) == std::vector<std::string>{error});
  CHECK_FALSE(Policy::create(k).has_value());
}

TEST_CASE("autoscaler: validate, the knobs that are not plain numbers", "[autoscaler]") {
  using V = std::vector<std::string>;
  Knobs k;
  k.min_replicas = 0;
  CHECK(validate(k) == V{"min_replicas = 0: must be >= 1"});
  k = Knobs{};
  k.max_replicas = 1;
  CHECK(validate(k) == V{"max_replicas = 1: must be >= min_replicas (2)"});
  k = Knobs{};
  k.predictive_horizon_s = 0;
  CHECK(validate(k) == V{"predictive_horizon_s = 0: must be > 0"});
  k = Knobs{};
  k.algorithm = Algorithm::kPredictive;
  k.window_s = 30;  // enough for the other algorithms
  CHECK(validate(k) == V{"window_s = 30: must be >= 2 x check_interval_s (60) for predictive: a "
                         "line needs two samples"});
}

TEST_CASE("autoscaler: the seeds' defaults are valid, and every bad knob is listed",
          "[autoscaler]") {
  const Knobs d;
  CHECK(validate(d).empty());
  CHECK(Policy::create(d).has_value());
  // The seeds' numbers: a changed default changes every scenario that leaves the knob unset.
  CHECK(std::vector<double>{d.scale_up_cpu, d.scale_up_rps, d.scale_up_response_ms,
                            d.scale_up_error_rate, d.scale_down_cpu, d.scale_down_rps,
                            d.scale_down_response_ms} ==
        std::vector<double>{70, 100, 1000, 0.05, 30, 50, 200});
  CHECK(std::vector<double>{d.check_interval_s, d.cooldown_s, d.window_s,
                            d.scale_down_stabilization_s,
                            d.horizon_s()} == std::vector<double>{30, 120, 60, 300, 60});
  CHECK(std::vector<double>{d.min_replicas * 1.0, d.max_replicas * 1.0, d.exponential_factor,
                            d.target_value} == std::vector<double>{2, 10, 1.5, 50});
  CHECK(to_string(Action{}) == "none");
  CHECK(to_string(d.algorithm) == "linear");
  CHECK(to_string(d.target_metric) == "cpu");

  Knobs bad;
  bad.min_replicas = 0;
  bad.cooldown_s = -1;
  bad.exponential_factor = 3;
  const auto errors = validate(bad);
  CHECK(errors.size() == 3);
  const auto created = Policy::create(bad);
  REQUIRE_FALSE(created.has_value());
  CHECK(created.error() == errors);
}

TEST_CASE("autoscaler: algorithm and metric names round-trip", "[autoscaler]") {
  auto [name, alg] = GENERATE(table<std::string, Algorithm>({
      {"linear", Algorithm::kLinear},
      {"exponential", Algorithm::kExponential},
      {"predictive", Algorithm::kPredictive},
      {"target_tracking", Algorithm::kTargetTracking},
  }));
  CHECK(to_string(alg) == name);
  CHECK(parse_algorithm(name) == alg);
  CHECK_FALSE(parse_algorithm("Linear").has_value());
  CHECK(parse_target_metric("rps_per_replica") == TargetMetric::kRpsPerReplica);
  CHECK(parse_target_metric("cpu") == TargetMetric::kCpu);
  CHECK_FALSE(parse_target_metric("memory").has_value());
}

// The knob table (stack/model/autoscaler_knobs.h): one row per knob, from which validate(),
// the flags, the scenario's keys and result.json's fields are derived.
TEST_CASE("knobs: the table names each knob, key, field and flag once", "[autoscaler][knobs]") {
  std::set<std::string_view> names, keys, records, flags;
  for (const auto& spec : lg::kKnobTable) {
    CAPTURE(spec.name);
    CHECK(names.insert(spec.name).second);
    CHECK(flags.insert(spec.flag).second);
    CHECK(spec.flag.starts_with("--"));
    if (!spec.key.empty()) CHECK(keys.insert(spec.key).second);
    if (!spec.record.empty()) CHECK(records.insert(spec.record).second);
    CHECK(lg::find_knob(spec.name) == &spec);
    CHECK((spec.kind == lg::KnobKind::kChoice) == !spec.choices.empty());
    if (!spec.below.empty()) CHECK(lg::find_knob(spec.below) != nullptr);
    if (!spec.holds_samples_of.empty()) CHECK(lg::find_knob(spec.holds_samples_of) != nullptr);
    // The defaults are inside both ranges (an unset optional has none).
    const auto v = spec.number(lg::AutoscalerKnobs{});
    if (v) CHECK(spec.range.contains(*v));
    if (v && !spec.key.empty()) CHECK(spec.file.contains(*v));
  }
  CHECK(lg::find_knob("memory") == nullptr);
}

TEST_CASE("knobs: validate names the knob at fault and the others its rule involves",
          "[autoscaler][knobs]") {
  using Strings = std::vector<std::string>;
  lg::AutoscalerKnobs k;
  k.window_s = 10;
  k.scale_up_error_rate = 0;
  k.scale_down_cpu = 80;
  const auto problems = k.validate();
  REQUIRE(problems.size() == 3);  // in table order
  CHECK(problems[0].knob == "window_s");
  CHECK(problems[0].related == Strings{"check_interval_s"});
  CHECK(problems[1].knob == "scale_up_error_rate");
  CHECK(problems[1].related.empty());
  CHECK(problems[1].text == "scale_up_error_rate = 0: must be in (0, 1]");
  CHECK(problems[2].knob == "scale_down_cpu");
  CHECK(problems[2].related == Strings{"scale_up_cpu"});
  k = {};
  k.algorithm = Algorithm::kPredictive;
  k.window_s = 30;
  REQUIRE(k.validate().size() == 1);
  CHECK(k.validate()[0].related == Strings{"check_interval_s", "algorithm"});
  // The policy's knobs add the replica bounds.
  Knobs p;
  p.max_replicas = 1;
  REQUIRE(p.validate().size() == 1);
  CHECK(p.validate()[0].knob == "max_replicas");
  CHECK(p.validate()[0].related == Strings{"min_replicas"});
}

TEST_CASE("knobs: to_args gives loadgen-autoscaler's flags, from_args reads them back exactly",
          "[autoscaler][knobs]") {
  using Strings = std::vector<std::string>;
  const lg::AutoscalerKnobs defaults;
  CHECK(defaults.to_args() == Strings{"--algorithm",
                                      "linear",
                                      "--check-interval",
                                      "30s",
                                      "--cooldown",
                                      "120s",
                                      "--window",
                                      "60s",
                                      "--stabilization",
                                      "300s",
                                      "--scale-up-cpu",
                                      "70",
                                      "--scale-up-rps",
                                      "100",
                                      "--scale-up-response-ms",
                                      "1000",
                                      "--scale-up-error-rate",
                                      "0.05",
                                      "--scale-down-cpu",
                                      "30",
                                      "--scale-down-rps",
                                      "50",
                                      "--scale-down-response-ms",
                                      "200",
                                      "--factor",
                                      "1.5",
                                      "--target-metric",
                                      "cpu",
                                      "--target-value",
                                      "50"});
  CHECK(lg::AutoscalerKnobs::from_args(defaults.to_args()) == defaults);

  lg::AutoscalerKnobs k;
  k.algorithm = Algorithm::kPredictive;
  k.check_interval_s = 1.5;
  k.cooldown_s = 0.0015;
  k.window_s = 4.000000007;
  k.predictive_horizon_s = 4;
  k.scale_up_cpu = 62.125;
  k.scale_up_error_rate = 0.1 + 0.2;  // 0.30000000000000004: every bit survives
  k.scale_down_response_ms = 0.5;
  k.target_metric = TargetMetric::kRpsPerReplica;
  k.target_value = 1e-3;
  const auto args = k.to_args();
  const auto after = [&args](const std::string& flag) {
    const auto it = std::find(args.begin(), args.end(), flag);
    return it == args.end() || it + 1 == args.end() ? std::string("(absent)") : *(it + 1);
  };
  CHECK(after("--check-interval") == "1500ms");
  CHECK(after("--cooldown") == "1500us");
  CHECK(after("--window") == "4000000007ns");
  CHECK(after("--horizon") == "4s");
  CHECK(after("--scale-up-error-rate") == "0.30000000000000004");
  CHECK(after("--target-metric") == "rps");
  const auto back = lg::AutoscalerKnobs::from_args(args);
  REQUIRE(back.has_value());
  CHECK(*back == k);
}

TEST_CASE("knobs: from_args takes both flag forms and words its errors as the autoscaler does",
          "[autoscaler][knobs]") {
  const auto from = [](std::vector<std::string> args) {
    return lg::AutoscalerKnobs::from_args(args);
  };
  const auto k = from({"--factor=2", "--target-metric", "rps_per_replica", "--horizon=3s"});
  REQUIRE(k.has_value());
  CHECK(k->exponential_factor == 2);
  CHECK(k->target_metric == TargetMetric::kRpsPerReplica);
  CHECK(k->predictive_horizon_s == 3);
  CHECK(from({"--factor", "x"}).error() ==
        "--factor: \"x\" is not accepted: expected a number in [1.5, 2]");
  CHECK(from({"--scale-down-cpu=abc"}).error() ==
        "--scale-down-cpu: \"abc\" is not accepted: expected a number in [0, --scale-up-cpu)");
  CHECK(from({"--scale-up-rps", "-"}).error() ==
        "--scale-up-rps: \"-\" is not accepted: expected a number > 0 (requests/s per replica)");
  CHECK(from({"--window", "5"}).error() ==
        "--window: \"5\" is not accepted: expected a duration such as 2s, 500ms or 2m, >= the "
        "check interval");
  CHECK(from({"--algorithm", "magic"}).error() ==
        "--algorithm: \"magic\" is not accepted: expected linear, exponential, predictive or "
        "target_tracking");
  CHECK(from({"--min", "2"}).error() == "unknown argument \"--min\"");
  CHECK(from({"--cooldown"}).error() == "--cooldown: a value is needed");
}

TEST_CASE("knobs: loadgen-autoscaler's usage lists every knob flag with its default",
          "[autoscaler][knobs]") {
  CHECK_THAT(usage(), Catch::StartsWith(
                          "usage: loadgen-autoscaler --run-dir DIR --base-port P --min N --max N "
                          "--fpm-children N\n"
                          "  [--algorithm linear|exponential|predictive|target_tracking] "
                          "[--check-interval 30s]\n"
                          "  [--cooldown 120s] [--window 60s] [--stabilization 300s] "
                          "[--horizon DURATION]\n"
                          "  [--scale-up-cpu 70] [--scale-up-rps 100] [--scale-up-response-ms "
                          "1000]\n"
                          "  [--scale-up-error-rate 0.05] [--scale-down-cpu 30] "
                          "[--scale-down-rps 50]\n"
                          "  [--scale-down-response-ms 200] [--factor 1.5] [--target-metric "
                          "cpu|rps]\n"
                          "  [--target-value 50] [--detached] [--fault-proxy]\n"
                          "Scales the stack's replicas"));
  for (const auto& spec : lg::kKnobTable) {
    CAPTURE(spec.flag);
    CHECK_THAT(usage(), Catch::Contains("[" + std::string(spec.flag) + " "));
  }
}
