// Autoscaler policy tables: (window of samples, current replicas, last scale event, since when
// the down condition has held) -> Decision. Pure unit tests: no stack, no clock, no sleep.
// Knobs (validate, defaults, names) are in autoscaler_knobs_test.cpp.
// Unless a table says otherwise the knobs are the seeds' defaults: check interval 30 s, window
// 60 s, cooldown 120 s, stabilisation 300 s, min 2, max 10.
#include "stack/autoscaler/policy.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

using namespace lg::stack::autoscaler;
using Catch::Contains;
using Catch::EndsWith;
using Catch::StartsWith;

namespace {

constexpr double kNow = 1000;    // s since the autoscaler started
constexpr double kStable = 300;  // down condition held for the default stabilisation window

Sample at(double t, double cpu, double rps, double resp, double err = 0) {
  return Sample{t, cpu, rps, resp, err, 4, 4, 0};
}

// Two samples inside the default window (now - 30, now) plus one at now - 60, just outside it,
// with absurd values: a decision that averaged it would scale up.
std::deque<Sample> steady(double cpu, double rps, double resp, double err = 0) {
  return {at(kNow - 60, 999, 999, 99999, 1), at(kNow - 30, cpu, rps, resp, err),
          at(kNow, cpu, rps, resp, err)};
}

// current replicas, last scale event (< 0: none), down condition held for (< 0: not held).
State state(std::uint32_t current, double since_scale = -1, double held = -1) {
  State s;
  s.current = current;
  if (since_scale >= 0) s.last_scale_s = kNow - since_scale;
  if (held >= 0) s.down_since_s = kNow - held;
  return s;
}

Knobs with(Algorithm a) {
  Knobs k;
  k.algorithm = a;
  return k;
}

std::string str(Action a) {
  return std::string(to_string(a));
}

}  // namespace

TEST_CASE("autoscaler: every algorithm, window -> desired replicas", "[autoscaler]") {
  // rps 20/replica and 100 ms are below their down thresholds, so cpu alone decides.
  using A = Algorithm;
  // clang-format off
  auto [alg, cpu, current, desired] = GENERATE(table<A, double, std::uint32_t, std::uint32_t>({
      {A::kLinear, 90, 4, 5}, {A::kLinear, 50, 4, 4}, {A::kLinear, 10, 4, 3},
      {A::kExponential, 90, 4, 6}, {A::kExponential, 90, 3, 5},  // ceil(4.5)
      {A::kExponential, 50, 4, 4}, {A::kExponential, 10, 4, 3},  // down stays -1
      {A::kPredictive, 90, 4, 5}, {A::kPredictive, 50, 4, 4}, {A::kPredictive, 10, 4, 3},
      {A::kTargetTracking, 90, 4, 8},                                   // ceil(4 x 90 / 50)
      {A::kTargetTracking, 50, 4, 4}, {A::kTargetTracking, 30, 4, 3},  // ceil(2.4)
      {A::kTargetTracking, 10, 4, 2},                                   // ceil(0.8), floored
  }));
  // clang-format on
  CAPTURE(to_string(alg), cpu, current);
  const Decision d =
      Policy(with(alg)).decide(steady(cpu, 20, 100), kNow, state(current, -1, kStable));
  CHECK(d.desired == desired);
  CHECK(str(d.action) == str(desired > current   ? Action::kUp
                             : desired < current ? Action::kDown
                                                 : Action::kNone));
  CHECK(d.samples == 2);
  CHECK(d.observed.cpu_percent == Approx(cpu));
}

TEST_CASE("autoscaler: each scale-up trigger alone", "[autoscaler]") {
  // Baseline cpu 50, 70 rps, 500 ms, no errors: neither up nor down. Equal is not above.
  // "steady" stands for "steady: <the down conditions that fail>".
  auto [cpu, rps, resp, err, desired, reason] =
      GENERATE(table<double, double, double, double, std::uint32_t, std::string>({
          {70.1, 70, 500, 0, 5, "cpu 70.1% > 70%"},
          {70, 70, 500, 0, 4, "steady"},
          {50, 100.5, 500, 0, 5, "rps/replica 100.5 > 100"},
          {50, 100, 500, 0, 4, "steady"},
          {50, 70, 1000.5, 0, 5, "response 1000.5 ms > 1000 ms"},
          {50, 70, 1000, 0, 4, "steady"},
          {50, 70, 500, 0.06, 5, "error rate 6% > 5%"},
          {50, 70, 500, 0.05, 4, "steady"},
          {10, 10, 50, 0.2, 5, "error rate 20% > 5%"},  // up wins over a held down condition
          {90, 150, 50, 0, 5, "cpu 90% > 70%, rps/replica 150 > 100"},
      }));
  CAPTURE(cpu, rps, resp, err);
  const Decision d =
      Policy(Knobs{}).decide(steady(cpu, rps, resp, err), kNow, state(4, -1, kStable));
  CHECK(d.desired == desired);
  if (reason == "steady")
    CHECK_THAT(d.reason, StartsWith("steady: cpu "));
  else
    CHECK(d.reason == reason);
  CHECK_FALSE(d.down_since_s.has_value());
}

TEST_CASE("autoscaler: scale down needs all three below", "[autoscaler]") {
  auto [cpu, rps, resp, desired, reason] =
      GENERATE(table<double, double, double, std::uint32_t, std::string>({
          {29, 49, 199, 3, "cpu 29% < 30%, rps/replica 49 < 50, response 199 ms < 200 ms"},
          {30, 49, 199, 4, "steady: cpu 30% not < 30%"},
          {29, 50, 199, 4, "steady: rps/replica 50 not < 50"},
          {29, 49, 200, 4, "steady: response 200 ms not < 200 ms"},
          {40, 60, 300, 4,
           "steady: cpu 40% not < 30%, rps/replica 60 not < 50, "
           "response 300 ms not < 200 ms"},
      }));
  CAPTURE(cpu, rps, resp);
  const Decision d = Policy(Knobs{}).decide(steady(cpu, rps, resp), kNow, state(4, -1, kStable));
  CHECK(d.desired == desired);
  CHECK(d.reason == reason);
  CHECK(d.down_since_s.has_value() == (desired == 3));
}

TEST_CASE("autoscaler: cooldown blocks both ways, then releases at exactly cooldown_s",
          "[autoscaler]") {
  auto [cpu, since, action, desired, tail] =
      GENERATE(table<double, double, Action, std::uint32_t, std::string>({
          {90, 0, Action::kNone, 4, "; cooldown: 120 s of 120 s left"},
          {90, 75, Action::kNone, 4, "; cooldown: 45 s of 120 s left"},
          {90, 119.5, Action::kNone, 4, "; cooldown: 0.5 s of 120 s left"},
          {90, 120, Action::kUp, 5, ""},
          {90, 500, Action::kUp, 5, ""},
          {10, 60, Action::kNone, 4, "; cooldown: 60 s of 120 s left"},
          {10, 120, Action::kDown, 3, ""},
      }));
  CAPTURE(cpu, since);
  const Decision d = Policy(Knobs{}).decide(steady(cpu, 10, 50), kNow, state(4, since, kStable));
  CHECK(str(d.action) == str(action));
  CHECK(d.desired == desired);
  if (tail.empty())
    CHECK_THAT(d.reason, !Contains("cooldown"));
  else
    CHECK_THAT(d.reason, EndsWith(tail));
}

TEST_CASE("autoscaler: down waits for the stabilisation window, held continuously",
          "[autoscaler]") {
  // held: for how long the down condition has held before now (< 0: not held). The last
  // column is Decision::down_since_s, the start to carry on (< 0: unset, the condition broke).
  auto [cpu, held, action, desired, tail, since] =
      GENERATE(table<double, double, Action, std::uint32_t, std::string, double>({
          {10, -1, Action::kNone, 4, "; down condition held 0 s of 300 s", kNow},  // starts now
          {10, 150, Action::kNone, 4, "; down condition held 150 s of 300 s", 850},
          {10, 299.5, Action::kNone, 4, "; down condition held 299.5 s of 300 s", 700.5},
          {10, 300, Action::kDown, 3, "response 50 ms < 200 ms", 700},
          {10, 1000, Action::kDown, 3, "response 50 ms < 200 ms", 0},
          {50, 1000, Action::kNone, 4, "cpu 50% not < 30%", -1},  // cpu not low: it breaks
          {90, 1000, Action::kUp, 5, "cpu 90% > 70%", -1},        // an up trigger breaks it too
      }));
  CAPTURE(cpu, held);
  const Decision d = Policy(Knobs{}).decide(steady(cpu, 10, 50), kNow, state(4, -1, held));
  CHECK(str(d.action) == str(action));
  CHECK(d.desired == desired);
  CHECK_THAT(d.reason, EndsWith(tail));
  CHECK(d.down_since_s.value_or(-1) == since);
}

TEST_CASE("autoscaler: never past min or max, and the reason says which", "[autoscaler]") {
  using A = Algorithm;
  auto [alg, cpu, current, desired, reason] =
      GENERATE(table<A, double, std::uint32_t, std::uint32_t, std::string>({
          {A::kLinear, 90, 10, 10, "cpu 90% > 70%; at max 10"},
          {A::kLinear, 90, 9, 10, "cpu 90% > 70%"},
          {A::kLinear, 10, 2, 2, "; at min 2"},
          {A::kLinear, 10, 3, 2, "response 50 ms < 200 ms"},
          {A::kExponential, 90, 8, 10, "cpu 90% > 70%; capped at max 10"},
          {A::kExponential, 90, 10, 10, "; at max 10"},
          {A::kPredictive, 90, 10, 10, "; at max 10"},
          {A::kTargetTracking, 100, 8, 10, "ceil(8 x 2) = 16; capped at max 10"},
          {A::kTargetTracking, 100, 10, 10, "; at max 10"},
          {A::kTargetTracking, 5, 6, 2, "ceil(6 x 0.1) = 1; floored at min 2"},
          {A::kTargetTracking, 5, 2, 2, "; at min 2"},
      }));
  CAPTURE(to_string(alg), cpu, current);
  const Decision d =
      Policy(with(alg)).decide(steady(cpu, 10, 50), kNow, state(current, -1, kStable));
  CHECK(d.desired == desired);
  CHECK_THAT(d.reason, EndsWith(reason));
}

TEST_CASE("autoscaler: a count outside min..max is corrected at once", "[autoscaler]") {
  // A cooldown that just started and no samples at all: neither holds back the correction.
  auto [current, action, desired, reason] =
      GENERATE(table<std::uint32_t, Action, std::uint32_t, std::string>({
          {0, Action::kUp, 2, "below min: 0 < 2, corrected at once (cooldown ignored)"},
          {1, Action::kUp, 2, "below min: 1 < 2, corrected at once (cooldown ignored)"},
          {11, Action::kDown, 10, "above max: 11 > 10, corrected at once (cooldown ignored)"},
          {40, Action::kDown, 10, "above max: 40 > 10, corrected at once (cooldown ignored)"},
          {2, Action::kNone, 2, "no samples in the last 60 s"},  // the bounds are inside
          {10, Action::kNone, 10, "no samples in the last 60 s"},
      }));
  CAPTURE(current);
  const Decision d = Policy(Knobs{}).decide({}, kNow, state(current, 0));
  CHECK(str(d.action) == str(action));
  CHECK(d.desired == desired);
  CHECK(d.reason == reason);
}

TEST_CASE("autoscaler: only samples of the last window_s are averaged", "[autoscaler]") {
  // Each sample's cpu is its time - 900 (queue a tenth of that), so the means tell which
  // samples were used.
  auto [times, count, mean_cpu] = GENERATE(table<std::vector<double>, std::size_t, double>({
      {{940, 970, 1000}, 2, 85},  // 940 = now - window: out
      {{1000, 970}, 2, 85},       // order does not matter
      {{941, 1000}, 2, 70.5},
      {{1000, 1001}, 1, 100},  // a later sample is not known yet
      {{900, 939.9}, 0, 0},
  }));
  std::deque<Sample> w;
  for (double t : times) {
    w.push_back(at(t, t - 900, 20, 100));
    w.back().queue = (t - 900) / 10;
  }
  const Decision d = Policy(Knobs{}).decide(w, kNow, state(4));
  CHECK(d.samples == count);
  CHECK(d.observed.cpu_percent == Approx(mean_cpu));
  CHECK(d.observed.queue == Approx(mean_cpu / 10));
  if (count == 0) CHECK(d.reason == "no samples in the last 60 s");
}

TEST_CASE("autoscaler: exponential goes to ceil(current x factor)", "[autoscaler]") {
  auto [factor, current, max, desired] =
      GENERATE(table<double, std::uint32_t, std::uint32_t, std::uint32_t>({
          // clang-format off
          {1.5, 1, 10, 2}, {1.5, 2, 10, 3}, {1.5, 3, 10, 5}, {1.5, 4, 10, 6}, {1.5, 6, 20, 9},
          {2, 2, 10, 4}, {2, 3, 10, 6}, {1.7, 10, 20, 17}, {2, 7, 10, 10}, {1.5, 9, 10, 10},
          {1.6, 4, 10, 7},  // ceil(6.4), not rounded
          // clang-format on
      }));
  CAPTURE(factor, current, max);
  Knobs k = with(Algorithm::kExponential);
  k.min_replicas = 1;
  k.max_replicas = max;
  k.exponential_factor = factor;
  const Decision d = Policy(k).decide(steady(90, 20, 100), kNow, state(current));
  CHECK(d.desired == desired);
}

TEST_CASE("autoscaler: predictive scales up on a rising trend before the threshold",
          "[autoscaler]") {
  // Window 120 s, samples at 910, 940, 970, 1000. cpu 40, 48, 56, 64 has mean 52 and slope
  // 8 / 30 s: projected 80 at now + 60 s (the default horizon, 2 x 30 s), 72 at +30, 66.7 at +10.
  // Last column: the projected cpu (-1: none, not predictive).
  using A = Algorithm;
  auto [alg, cpus, horizon, desired, reason,
        projected] = GENERATE(table<A, std::vector<double>, double, std::uint32_t, std::string,
                                    double>({
      {A::kPredictive, {40, 48, 56, 64}, 0, 5, "predicted cpu 80% > 70% in 60 s", 80},
      {A::kLinear, {40, 48, 56, 64}, 0, 4, "steady: cpu 52% not < 30%", -1},
      {A::kPredictive, {40, 48, 56, 64}, 30, 5, "predicted cpu 72% > 70% in 30 s", 72},
      {A::kPredictive, {40, 48, 56, 64}, 10, 4, "steady: cpu 52% not < 30%", 52 + 55 * 8 / 30.0},
      {A::kPredictive, {64, 64, 64, 64}, 0, 4, "steady: cpu 64% not < 30%", 64},
      // Falling but overloaded now: the observed mean still scales up.
      {A::kPredictive, {95, 85, 75, 65}, 0, 5, "cpu 80% > 70%", 45},
      // Down uses observed values: projected 0 but the mean 35 is not low.
      {A::kPredictive, {50, 40, 30, 20}, 0, 4, "steady: cpu 35% not < 30%", 0},
      // The line reaches -12 at now + 60 s; no input is negative.
      {A::kPredictive,
       {28, 20, 12, 4},
       0,
       3,
       "cpu 16% < 30%, rps/replica 20 < 50, "
       "response 100 ms < 200 ms",
       0},
  }));
  CAPTURE(to_string(alg), cpus, horizon);
  Knobs k = with(alg);
  k.window_s = 120;
  if (horizon > 0) k.predictive_horizon_s = horizon;
  std::deque<Sample> w;
  for (std::size_t i = 0; i < cpus.size(); ++i)
    w.push_back(at(910 + 30.0 * static_cast<double>(i), cpus[i], 20, 100));
  const Decision d = Policy(k).decide(w, kNow, state(4, -1, kStable));
  CHECK(d.desired == desired);
  CHECK(d.reason == reason);
  REQUIRE(d.projected.has_value() == (projected >= 0));
  if (d.projected) CHECK(d.projected->cpu_percent == Approx(projected).margin(1e-9));
}

TEST_CASE("autoscaler: predictive projects every up trigger", "[autoscaler]") {
  // Same times as above; the other inputs stay at cpu 50, 70 rps, 500 ms, no errors. Each
  // series' mean is below its threshold, its line 60 s ahead above it.
  auto [field, values, reason,
        projected] = GENERATE(table<double Sample::*, std::vector<double>, std::string, double>({
      {&Sample::rps_per_replica, {70, 78, 86, 94}, "predicted rps/replica 110 > 100 in 60 s", 110},
      {&Sample::response_ms,
       {600, 700, 800, 900},
       "predicted response 1100 ms > 1000 ms in 60 s",
       1100},
      {&Sample::error_rate, {0.01, 0.02, 0.03, 0.04}, "predicted error rate 6% > 5% in 60 s", 0.06},
      // Observed already above; the line (1.4 at now + 60 s) is capped: a share is <= 1.
      {&Sample::error_rate, {0.4, 0.6, 0.8, 1.0}, "error rate 70% > 5%", 1},
  }));
  CAPTURE(reason);
  Knobs k = with(Algorithm::kPredictive);
  k.window_s = 120;
  std::deque<Sample> w;
  for (std::size_t i = 0; i < values.size(); ++i) {
    w.push_back(at(910 + 30.0 * static_cast<double>(i), 50, 70, 500));
    w.back().*field = values[i];
  }
  const Decision d = Policy(k).decide(w, kNow, state(4));
  CHECK(d.desired == 5);
  CHECK(d.reason == reason);
  REQUIRE(d.projected.has_value());
  Sample p;
  p.rps_per_replica = d.projected->rps_per_replica;
  p.response_ms = d.projected->response_ms;
  p.error_rate = d.projected->error_rate;
  CHECK(p.*field == Approx(projected));
}

TEST_CASE("autoscaler: target tracking, tolerance band and both directions", "[autoscaler]") {
  // min 1, max 40. The metric not tracked is set absurdly high: it must not matter.
  using M = TargetMetric;
  auto [metric, target, observed, current, held, desired] =
      GENERATE(table<M, double, double, std::uint32_t, double, std::uint32_t>({
          {M::kCpu, 50, 45, 10, kStable, 10},    // ratio 0.9: inside the band
          {M::kCpu, 50, 55, 10, kStable, 10},    // 1.1: inside
          {M::kCpu, 50, 55.5, 10, kStable, 12},  // ceil(11.1)
          {M::kCpu, 50, 44.5, 10, kStable, 9},   // ceil(8.9)
          {M::kCpu, 50, 100, 10, kStable, 20},
          {M::kCpu, 50, 5, 10, kStable, 1},
          {M::kCpu, 50, 20, 10, -1, 10},  // down, but not stabilised yet
          {M::kCpu, 50, 20, 10, 299, 10},
          {M::kCpu, 50, 20, 10, 300, 4},
          {M::kCpu, 30, 62, 15, kStable, 31},  // 15 x 62 / 30 is 31.000000000000004 in doubles
          {M::kRpsPerReplica, 80, 160, 3, kStable, 6},
          {M::kRpsPerReplica, 80, 60, 4, kStable, 3},
          {M::kRpsPerReplica, 80, 85, 4, kStable, 4},
      }));
  CAPTURE(to_string(metric), target, observed, current, held);
  Knobs k = with(Algorithm::kTargetTracking);
  k.min_replicas = 1;
  k.max_replicas = 40;
  k.target_metric = metric;
  k.target_value = target;
  const bool cpu = metric == M::kCpu;
  const auto w = steady(cpu ? observed : 999, cpu ? 999 : observed, 5000, 0.5);
  const Decision d = Policy(k).decide(w, kNow, state(current, -1, held));
  CHECK(d.desired == desired);
  if (desired == current) CHECK(str(d.action) == "none");
}
