// Hand-built results for the compare and history tests: known latencies recorded into real
// histograms, one warm-up step (whose data must never count) and then one step per StepSpec.
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/core/run_result.h"

namespace lg::test {

// One step: 90% of responses at fast_ms, 10% at slow_ms (so p50 = fast, p95 = p99 = slow).
struct StepSpec {
  double fast_ms = 10;
  double slow_ms = 50;
  std::uint64_t sent = 1000;  // over the step's 10 s: 100/s
  std::uint64_t failed = 0;   // answered with HTTP 5xx, among the sent
};

inline constexpr std::int64_t kStepNs = 10'000'000'000;

inline lg::StepResult step(const lg::StepPlan& plan, std::int64_t start_ns, const StepSpec& spec) {
  lg::StepResult s;
  s.plan = plan;
  s.start_ns = start_ns;
  s.end_ns = start_ns + plan.duration_ns;
  auto& c = s.data.counters;
  c.scheduled = c.sent = spec.sent;
  c.errors[static_cast<std::size_t>(lg::ErrorKind::kHttp5xx)] = spec.failed;
  c.completed = spec.sent - spec.failed;
  c.responses = spec.sent;  // every request answered
  const auto slow = spec.sent / 10;
  REQUIRE(s.data.latency.record(static_cast<std::uint64_t>(spec.fast_ms * 1000), spec.sent - slow));
  REQUIRE(s.data.latency.record(static_cast<std::uint64_t>(spec.slow_ms * 1000), slow));
  s.target_rate = plan.start_rate;
  s.achieved_rate = static_cast<double>(spec.sent) * 1e9 / static_cast<double>(plan.duration_ns);
  return s;
}

inline lg::RunPlan plan_of(std::size_t steps) {
  lg::RunPlan p;
  p.name = "release-check";
  p.steps.push_back({"warm-up", 10, 10, 10, kStepNs, true});
  for (std::size_t i = 0; i < steps; ++i) {
    const auto users = static_cast<std::uint32_t>(100 * (i + 1));
    p.steps.push_back(
        {std::to_string(users) + " users", users, users * 1.0, users * 1.0, kStepNs, false});
  }
  return p;
}

// A warm-up step (whose data must never count) and then one step per spec.
inline lg::RunResult result_of(const std::vector<StepSpec>& specs) {
  lg::RunResult r;
  r.plan = plan_of(specs.size());
  r.started_at = "2026-11-22T08:00:00Z";
  r.steps.push_back(step(r.plan.steps[0], 0, {.fast_ms = 900, .slow_ms = 900, .sent = 3}));
  for (std::size_t i = 0; i < specs.size(); ++i)
    r.steps.push_back(step(r.plan.steps[i + 1], r.steps.back().end_ns, specs[i]));
  for (const auto& s : r.steps) r.total.merge(s.data);
  r.duration_ns = r.steps.back().end_ns;
  return r;
}

}  // namespace lg::test
