// Evaluation of SLOs on hand-built RunResults: values whose percentiles are known by hand.
#include "validators/evaluate.h"
#include "parsed_slos.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using lg::validators::Check;
using lg::validators::evaluate;
using lg::validators::Scope;

namespace {

// A 10 s step whose latencies are first_ms .. first_ms + 99 ms (one each), with `failed`
// extra 5xx responses, and `replicas` per second in the run's timeline.
lg::StepResult step(std::string label, std::int64_t index, std::uint64_t first_ms,
                    std::uint64_t failed, bool warmup = false) {
  lg::StepResult s;
  s.plan.label = std::move(label);
  s.plan.warmup = warmup;
  s.start_ns = index * 10'000'000'000;
  s.end_ns = s.start_ns + 10'000'000'000;
  for (std::uint64_t v = first_ms; v < first_ms + 100; ++v) {
    s.data.latency.record(v * 1000);
    s.data.service.record(v * 500);
    s.data.lag.record(100);
  }
  auto& c = s.data.counters;
  c.scheduled = c.sent = 100 + failed;
  c.completed = 100;
  c.responses = 100 + failed;
  for (std::uint64_t i = 0; i < failed; ++i) c.count(lg::ErrorKind::kHttp5xx);
  c.late = 2;
  s.achieved_rate = static_cast<double>(c.sent) / 10.0;
  return s;
}

void timeline(lg::RunResult& r, std::int64_t from_s, std::vector<std::int32_t> replicas) {
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    lg::TimelinePoint p;
    p.second = from_s + static_cast<std::int64_t>(i);
    p.replicas = replicas[i];
    r.timeline.push_back(p);
  }
}

lg::RunResult three_steps() {
  lg::RunResult r;
  r.steps.push_back(step("warm", 0, 1000, 50, true));  // slow and failing, but warm-up
  r.steps.push_back(step("10 users", 1, 1, 0));        // 1..100 ms
  r.steps.push_back(step("50 users", 2, 101, 10));     // 101..200 ms, 10 failed of 110
  timeline(r, 0, std::vector<std::int32_t>(10, 1));    // warm-up: 1 replica (outside bounds)
  timeline(r, 10, std::vector<std::int32_t>(10, 2));
  timeline(r, 20, {2, 3, 4, 4, 4, 4, 4, 4, 4, 4});
  return r;
}

}  // namespace

TEST_CASE("evaluate: p95 of 1..100 ms is 95 ms within histogram precision", "[evaluate]") {
  lg::RunResult r;
  r.steps.push_back(step("10 users", 0, 1, 0));
  auto pass = evaluate(slos({"p95 <= 95.1ms"}), r, Scope::kPerStep);
  REQUIRE(pass.size() == 1);
  CHECK(pass[0].passed);
  CHECK(pass[0].scope == "step 1: 10 users");
  CHECK(pass[0].observed == "95.0ms");
  auto fail = evaluate(slos({"p95 < 94.9ms", "max == 100ms", "median < 50.1ms"}), r, Scope::kRun);
  REQUIRE(fail.size() == 3);
  CHECK_FALSE(fail[0].passed);
  CHECK(fail[1].passed);
  CHECK(fail[2].passed);
  CHECK(fail[0].scope == "run");
}

TEST_CASE("evaluate: per step and per run, warm-up excluded from both", "[evaluate]") {
  auto checks = evaluate(slos({"p95 < 150ms", "error_rate < 5%"}), three_steps(), Scope::kBoth);
  // Per SLO: step 2, step 3, run (the warm-up step 1 is not judged).
  REQUIRE(checks.size() == 6);
  CHECK(checks[0].scope == "step 2: 10 users");
  CHECK(checks[0].passed);
  CHECK(checks[1].scope == "step 3: 50 users");
  CHECK_FALSE(checks[1].passed);
  CHECK(checks[1].observed == "195ms");
  CHECK(checks[2].scope == "run");
  CHECK_FALSE(checks[2].passed);  // p95 of 1..200 ms is 190 ms (the warm-up's 1 s is left out)
  CHECK(checks[2].observed == "190ms");
  CHECK_THAT(checks[2].explanation, Contains("2 steps, 1 warm-up excluded"));

  CHECK(checks[3].passed);  // 0 failed of 100
  CHECK(checks[3].observed == "0%");
  CHECK_FALSE(checks[4].passed);  // 10 failed of 110 = 9.09%
  CHECK(checks[4].observed == "9.09%");
  CHECK_THAT(checks[4].explanation, Contains("10 of 110 arrivals got no good answer: http_5xx 10"));
  CHECK(checks[5].passed);  // 10 failed of 210 = 4.76% (the warm-up's 50 failures left out)
  CHECK(checks[5].limit == "< 5%");
}

TEST_CASE("evaluate: every explanation names the step and the observed value", "[evaluate]") {
  auto checks = evaluate(slos({"p95 < 1s", "service.p95 < 1s", "lag.p99 < 10ms", "error_rate < 5%",
                               "errors.http_5xx == 0", "rps >= 10", "dropped == 0",
                               "late_rate < 1%", "replicas within [2, 10]", "replicas.max <= 3"}),
                         three_steps());
  REQUIRE(checks.size() == 30);
  for (const Check& c : checks) {
    CAPTURE(c.name, c.scope, c.explanation);
    CHECK_FALSE(c.observed.empty());
    CHECK_FALSE(c.limit.empty());
    CHECK_THAT(c.explanation, Contains(c.observed));
    if (c.scope == "run")
      CHECK_THAT(c.explanation, Contains("Over the whole run"));
    else
      CHECK_THAT(c.explanation, Contains("In " + c.scope));
    CHECK_THAT(c.explanation, Contains(c.passed ? "passed." : "failed."));
  }
  CHECK(checks[6].name == "lag.p99 < 10ms");
  CHECK(checks[6].passed);  // 100 us of lag
  CHECK(checks[6].observed == "100us");
  CHECK(checks[8].observed == "100us");
  CHECK(checks[11].observed == "4.76%");
  CHECK(checks[12].observed == "0");   // step 2: no 5xx
  CHECK(checks[13].observed == "10");  // step 3: 10 5xx
  CHECK_FALSE(checks[13].passed);
  CHECK(checks[15].observed == "10/s");    // rps step 2: 100 sent in 10 s
  CHECK(checks[17].observed == "10.5/s");  // run: 210 sent in 20 s
  CHECK_FALSE(checks[21].passed);          // late 2 of 100 = 2% >= 1%
  CHECK_THAT(checks[21].explanation, Contains("2 late of 100 sent"));
}

TEST_CASE("evaluate: replicas within bounds are judged on every second of the timeline",
          "[evaluate]") {
  auto r = three_steps();
  auto ok = evaluate(slos({"replicas within [2, 10]"}), r);
  REQUIRE(ok.size() == 3);
  for (const Check& c : ok) CHECK(c.passed);  // the warm-up's 1 replica is not judged
  CHECK(ok[0].observed == "2");
  CHECK(ok[1].observed == "2..4");
  CHECK(ok[2].observed == "2..4");
  CHECK_THAT(ok[1].explanation, Contains("over 10 seconds"));

  r.timeline[25].replicas = 11;
  auto bad = evaluate(slos({"replicas within [2, 10]", "replicas.max <= 10"}), r);
  REQUIRE(bad.size() == 6);
  CHECK(bad[0].passed);
  CHECK_FALSE(bad[1].passed);
  CHECK_THAT(bad[1].explanation, Contains("first outside at second 25 with 11 replicas"));
  CHECK_THAT(bad[1].explanation, Contains("In step 3: 50 users"));
  CHECK_FALSE(bad[2].passed);
  CHECK(bad[4].observed == "11");
  CHECK_FALSE(bad[4].passed);
}

TEST_CASE("evaluate: a metric without data fails and says so", "[evaluate]") {
  lg::RunResult r;
  lg::StepResult s;
  s.plan.label = "idle";
  s.end_ns = 10'000'000'000;
  r.steps.push_back(s);
  timeline(r, 0, std::vector<std::int32_t>(10, -1));  // replicas unknown
  auto checks = evaluate(
      slos({"p95 < 1s", "error_rate < 5%", "replicas within [2, 10]", "dropped == 0", "rps >= 0"}),
      r, Scope::kPerStep);
  REQUIRE(checks.size() == 5);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(checks[i].name);
    CHECK_FALSE(checks[i].passed);
    CHECK(checks[i].observed == "no data");
    CHECK_THAT(checks[i].explanation, Contains("In step 1: idle"));
    CHECK_THAT(checks[i].explanation, Contains("observed no data"));
  }
  CHECK_THAT(checks[0].explanation, Contains("there were no responses"));
  CHECK_THAT(checks[2].explanation, Contains("the replica count was unknown in every second"));
  CHECK(checks[4].passed);  // 0 requests/s in 10 s is a measurement, not missing data
}

TEST_CASE("evaluate: a run of only warm-up steps has nothing to judge", "[evaluate]") {
  lg::RunResult r;
  r.steps.push_back(step("warm", 0, 1, 0, true));
  auto checks = evaluate(slos({"p95 < 1s", "rps >= 1"}), r);
  REQUIRE(checks.size() == 2);
  for (const Check& c : checks) {
    CHECK(c.scope == "run");
    CHECK_FALSE(c.passed);
    CHECK(c.observed == "no data");
  }
  CHECK_FALSE(lg::validators::all_passed(checks));
  CHECK_FALSE(lg::validators::all_passed({}));
}
