// A realistic stored result for report tests: four steps (one warm-up) on the embedded stack,
// 60 s of per-second data with latencies from a log-normal spread, 5xx errors and timeouts
// in the last step, replicas scaling 2 -> 3 -> 4 -> 3 with the matching scale events, and
// checks of which one fails. Deterministic (fixed seed). Header-only: the unit and the
// browser tests both use it.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/result/result_json.h"

namespace lg::test {

struct FixtureStep {
  const char* label;
  std::uint32_t users;
  double rate;       // requests/s
  int seconds;       // duration
  double median_ms;  // latency median at this load
  bool warmup;
};

inline const std::vector<FixtureStep>& fixture_steps() {
  static const std::vector<FixtureStep> steps{{"10 users", 10, 10, 10, 2.0, true},
                                              {"50 users", 50, 50, 15, 3.5, false},
                                              {"100 users", 100, 100, 15, 8.0, false},
                                              {"200 users", 200, 200, 20, 24.0, false}};
  return steps;
}

// Replicas the load balancer reported in second t (ground truth for the timeline).
inline std::int32_t fixture_replicas(std::int64_t t) {
  return t < 22 ? 2 : t < 41 ? 3 : t < 58 ? 4 : 3;
}

inline RunPlan fixture_plan() {
  RunPlan p;
  p.name = "stepped-demo";
  p.target.port = 18000;
  p.threads = 2;
  for (const auto& s : fixture_steps()) {
    p.steps.push_back(
        {s.label, s.users, s.rate, s.rate, std::int64_t{s.seconds} * 1'000'000'000, s.warmup});
  }
  return p;
}

// One second of step `s`: counters and histograms (us).
inline StepAccum fixture_second(const FixtureStep& s, std::int64_t t, std::mt19937_64& rng) {
  StepAccum a;
  const auto n = static_cast<std::uint64_t>(s.rate);
  a.counters.scheduled = n;
  a.counters.sent = n;
  const bool troubled = s.users == 200 && t >= 44 && t < 52;  // before the 4th replica helps
  const std::uint64_t http5xx = troubled ? 6 : 0, timeouts = troubled && t % 3 == 0 ? 1 : 0;
  a.counters.errors[static_cast<std::size_t>(ErrorKind::kHttp5xx)] = http5xx;
  a.counters.errors[static_cast<std::size_t>(ErrorKind::kTimeout)] = timeouts;
  a.counters.completed = n - http5xx - timeouts;
  a.counters.responses = n - timeouts;
  a.counters.late = troubled ? 2 : 0;
  std::lognormal_distribution<double> spread(std::log(s.median_ms * (troubled ? 3 : 1) * 1000),
                                             0.6);
  std::lognormal_distribution<double> lag(std::log(40.0), 0.5);
  for (std::uint64_t i = 0; i < n; ++i) {
    // A timed-out request enters the histograms at its timeout, as the engine records it.
    const auto timeout_us = static_cast<std::uint64_t>(fixture_plan().timeout_ns / 1000);
    const auto us = i < timeouts ? timeout_us : static_cast<std::uint64_t>(spread(rng));
    a.latency.record(us);
    a.service.record(i < timeouts ? timeout_us : us * 9 / 10);
    a.lag.record(static_cast<std::uint64_t>(lag(rng)));
  }
  return a;
}

inline TimelinePoint fixture_point(std::int64_t t, const StepAccum& a) {
  TimelinePoint p;
  p.second = t;
  p.counters = a.counters;
  p.latency = summarize_latency(a.latency, a.counters, fixture_plan().timeout_ns);
  p.cpu_percent = 2.0 + static_cast<double>(a.counters.sent) / 20.0;
  p.max_lag_ms = static_cast<double>(a.lag.max()) / 1000.0;
  p.open_connections = static_cast<std::int32_t>(a.counters.sent / 10 + 2);
  p.rss_kb = 12'000 + t * 10;
  p.replicas = fixture_replicas(t);
  p.healthy = (t == 22 || t == 41) ? p.replicas - 1 : p.replicas;  // the new one, not yet UP
  return p;
}

inline void fixture_replica_summary(StepResult& step, const std::vector<TimelinePoint>& tl) {
  std::int64_t sum = 0, n = 0;
  for (const auto& p : tl) {
    if (p.second * 1'000'000'000 < step.start_ns || p.second * 1'000'000'000 >= step.end_ns)
      continue;
    step.replicas.min =
        step.replicas.min < 0 ? p.replicas : std::min(step.replicas.min, p.replicas);
    step.replicas.max = std::max(step.replicas.max, p.replicas);
    sum += p.replicas;
    ++n;
  }
  if (n > 0) step.replicas.mean = static_cast<double>(sum) / static_cast<double>(n);
}

inline StackSpec fixture_stack() {
  StackSpec s;
  s.min_replicas = 2;
  s.max_replicas = 4;
  s.autoscaler_enabled = true;
  return s;
}

inline std::vector<validators::Slo> fixture_slos() {
  std::vector<validators::Slo> out;
  for (const char* text : {"p95 < 100ms", "error_rate < 1%", "run: replicas within [2, 4]"})
    out.push_back(*validators::parse_slo(text));
  return out;
}

inline reports::RunRecord fixture_result() {
  reports::RunRecord rec;
  rec.stack = fixture_stack();
  rec.slos = fixture_slos();
  RunResult& r = rec.result;
  r.plan = fixture_plan();
  r.target_url = "http://127.0.0.1:18000";
  r.started_at = "2026-11-22T04:20:01.250Z";
  r.started_unix_ms = 1795321201250;
  std::mt19937_64 rng(42);
  std::int64_t t = 0;
  for (std::size_t i = 0; i < fixture_steps().size(); ++i) {
    const auto& fs = fixture_steps()[i];
    StepResult step;
    step.plan = r.plan.steps[i];
    step.start_ns = t * 1'000'000'000;
    for (int k = 0; k < fs.seconds; ++k, ++t) {
      const auto second = fixture_second(fs, t, rng);
      r.timeline.push_back(fixture_point(t, second));
      step.data.merge(second);
    }
    step.end_ns = t * 1'000'000'000;
    step.target_rate = fs.rate;
    step.achieved_rate = static_cast<double>(step.data.counters.sent) / fs.seconds;
    step.ok_rate = static_cast<double>(step.data.counters.completed) / fs.seconds;
    fixture_replica_summary(step, r.timeline);
    r.total.merge(step.data);
    r.steps.push_back(std::move(step));
  }
  r.duration_ns = t * 1'000'000'000 + 42'000'000;
  r.generator = {2, 4.8, 0.6, r.total.lag, 14'336, true, false, "", r.duration_ns + 310'000'000};
  rec.observed.events = {
      {-0.8, 0.2, "2026-11-22T04:20:00.450Z", "recovery", 2, 2, "r2 failed its health checks", {}},
      {21.4, 22.6, "2026-11-22T04:20:22.650Z", "scale_up", 2, 3, "cpu 82% > 70%", {{"cpu", 82}}},
      {40.7, 41.9, "2026-11-22T04:20:41.950Z", "scale_up", 3, 4, "cpu 91% > 70%", {{"cpu", 91}}},
      {57.6, 58.8, "2026-11-22T04:20:58.850Z", "scale_down", 4, 3, "cpu 21% < 30%", {{"cpu", 21}}}};
  return rec;
}

inline std::vector<reports::Check> fixture_checks() {
  return {
      {"p95 < 100ms", "step 2: 50 users", "6.1ms", "< 100ms", true, "p95 6.1ms is below 100ms"},
      {"p95 < 100ms", "step 3: 100 users", "14.9ms", "< 100ms", true, "p95 14.9ms is below 100ms"},
      {"p95 < 100ms", "step 4: 200 users", "71.2ms", "< 100ms", true, "p95 71.2ms is below 100ms"},
      {"error_rate < 1%", "step 4: 200 users", "1.27%", "< 1%", false,
       "1.27% of step 4's requests failed (48 http_5xx, 3 timeout), above the 1% allowed"},
      {"error_rate < 1%", "run", "0.60%", "< 1%", true, "0.60% of the run's requests failed"},
      {"replicas within [2, 4]", "run", "2..4", "within [2, 4]", true,
       "every second had 2 to 4 replicas"},
      {"generator_schedule", "run", "0.21 ms lag p99", "10.000000 ms", true,
       "the generator sent on schedule"},
      {"target_reachable", "run", "8250 responses", "at least 1 response", true,
       "the target answered"}};
}

// The fixture as result.json holds it.
inline nlohmann::json fixture_doc() {
  return reports::to_json(fixture_result(), fixture_checks());
}

}  // namespace lg::test
