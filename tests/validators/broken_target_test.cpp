// The verdict on broken targets (issue 18), on hand-built results: no good response never
// passes, and a latency figure among timed-out requests is a lower bound that only ">" rules
// can pass on.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "loadgen/core/exit_codes.h"
#include "parsed_slos.h"
#include "validators/verdict.h"

using Catch::Matchers::Contains;
using lg::ErrorKind;
using lg::validators::judge_run;

namespace {

constexpr std::int64_t kTimeoutNs = 1'000'000'000;

// One 10 s step of `good` responses of 2 ms and `bad` arrivals that ended as `kind`
// (timeouts enter the histograms at their timeout, as the engine records them).
lg::RunResult run_with(std::uint64_t good, std::uint64_t bad, ErrorKind kind) {
  lg::RunResult r;
  r.plan.timeout_ns = kTimeoutNs;
  r.plan.mode = lg::LoopMode::kClosed;  // no schedule-lag check: not what is judged here
  lg::StepResult s;
  s.plan.label = "step";
  s.end_ns = 10'000'000'000;
  auto& c = s.data.counters;
  c.scheduled = c.sent = good + bad;
  c.completed = c.responses = good;
  for (std::uint64_t i = 0; i < good; ++i) {
    s.data.latency.record(2'000);
    s.data.service.record(1'900);
  }
  for (std::uint64_t i = 0; i < bad; ++i) {
    c.count(kind);
    if (kind == ErrorKind::kTimeout) {
      s.data.latency.record(kTimeoutNs / 1000);
      s.data.service.record(kTimeoutNs / 1000);
    }
  }
  r.steps.push_back(s);
  r.total = s.data;
  r.duration_ns = s.end_ns;
  return r;
}

const lg::validators::Check& named(const lg::validators::Verdict& v, const std::string& name,
                                   const std::string& scope = "run") {
  for (const auto& c : v.checks)
    if (c.name == name && c.scope == scope) return c;
  FAIL("no check " << name << " (" << scope << ")");
  return v.checks.front();
}

}  // namespace

TEST_CASE("verdict: no good response fails target_reachable, whatever the kind",
          "[validators][broken]") {
  for (auto kind : {ErrorKind::kTimeout, ErrorKind::kParse, ErrorKind::kRead, ErrorKind::kConnect,
                    ErrorKind::kHttp5xx}) {
    CAPTURE(lg::error_kind_name(kind));
    auto r = run_with(0, 150, kind);
    if (kind == ErrorKind::kHttp5xx) r.total.counters.responses = 150;
    const auto v = judge_run(r, {});
    const auto& c = named(v, "target_reachable");
    CHECK_FALSE(c.passed);
    CHECK_THAT(c.explanation, Contains(std::string(lg::error_kind_name(kind)) + " 150"));
    CHECK(lg::validators::exit_code(v, false) == lg::kExitEnvironment);
    CHECK_THAT(lg::validators::verdict_table(v), Contains("no SLO given"));
  }
  // One good response is enough for the environment; the SLOs judge the rest.
  const auto v = judge_run(run_with(1, 149, ErrorKind::kTimeout), slos({"error_rate < 5%"}));
  CHECK(named(v, "target_reachable").passed);
  CHECK(lg::validators::exit_code(v, false) == lg::kExitSloFailed);
}

TEST_CASE("verdict: a percentile among timeouts is a lower bound", "[validators][broken]") {
  // Half the arrivals timed out at 1 s: p50 is exact (2 ms), p99 is "at least 1 s".
  const auto r = run_with(100, 100, ErrorKind::kTimeout);
  const auto v = judge_run(r, slos({"run: p99 < 10ms", "run: p99 < 10s", "run: p99 > 500ms",
                                    "run: p25 < 10ms", "run: service.p99 <= 5s"}));
  const auto& below = named(v, "p99 < 10ms");
  CHECK_FALSE(below.passed);
  CHECK(below.observed.starts_with(">= "));
  CHECK_THAT(below.explanation, Contains("100 of them timed out"));
  // Above the timeout: the truth is unknown, so a "<" rule cannot pass.
  const auto& above = named(v, "p99 < 10s");
  CHECK_FALSE(above.passed);
  CHECK_THAT(above.explanation, Contains("at least"));
  // A ">" rule holds for every value above its lower bound.
  CHECK(named(v, "p99 > 500ms").passed);
  // Below the timeout the figure is exact.
  const auto& exact = named(v, "p25 < 10ms");
  CHECK(exact.passed);
  CHECK_FALSE(exact.observed.starts_with(">="));
  CHECK_FALSE(named(v, "service.p99 <= 5s").passed);

  const auto l = lg::summarize_latency(r.total.latency, r.total.counters, kTimeoutNs);
  CHECK(l.at_least(lg::LatencyStat::kP99));
  CHECK(l.at_least(lg::LatencyStat::kMax));
  CHECK_FALSE(l.at_least(lg::LatencyStat::kP50));
  // Without timeouts the same values are exact: a slow response is not censored.
  auto fast = run_with(100, 0, ErrorKind::kTimeout);
  fast.total.latency.record(kTimeoutNs / 1000 + 5'000);
  CHECK(lg::summarize_latency(fast.total.latency, fast.total.counters, kTimeoutNs).lower_bounds ==
        0);
}
