// Autoscaler knobs: validate() names every bad knob with its value and accepted range, the
// defaults are the seeds' numbers, and the names used in scenario files round-trip. The
// decisions themselves are in autoscaler_policy_test.cpp.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "stack/autoscaler/policy.h"

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
