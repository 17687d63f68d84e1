// compare: base vs candidate on hand-built results with known latencies. A change is a
// regression only beyond both the tolerance and the floor; improvements are "better";
// schedules that differ are listed, every difference.
#include "reports/compare/compare.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/compare/compare_schedule.h"
#include "reports/compare/compare_text.h"
#include "tests/reports/compare_fixture.h"

using Catch::Matchers::Contains;
using lg::reports::Change;
using lg::reports::Metric;
using lg::test::result_of;

namespace {

const lg::reports::MetricRow& row(const lg::reports::Comparison& c, const std::string& scope,
                                  Metric m) {
  const auto it = std::find_if(c.rows.begin(), c.rows.end(),
                               [&](const auto& r) { return r.scope == scope && r.metric == m; });
  REQUIRE(it != c.rows.end());
  return *it;
}

lg::reports::Comparison compare_ok(const lg::RunResult& base, const lg::RunResult& candidate,
                                   const lg::reports::Tolerance& tol = {}) {
  auto c = lg::reports::compare(base, candidate, tol);
  REQUIRE(c.has_value());
  return *c;
}

}  // namespace

TEST_CASE("compare: a run against itself has no regression", "[reports][compare]") {
  const auto r = result_of({{}, {}});
  const auto c = compare_ok(r, r);
  CHECK_FALSE(c.regressed());
  // Steps 2 and 3 (the warm-up left out) and the run, five metrics each.
  CHECK(c.rows.size() == 15);
  CHECK(c.count(Change::kSame) == 15);
  CHECK(c.rows.front().scope == "step 2: 100 users");
  CHECK(c.rows.back().scope == "run");
  CHECK(row(c, "run", Metric::kP95).explanation == "unchanged");
  CHECK(c.worst() == nullptr);
}

TEST_CASE("compare: a change within the tolerance is noise", "[reports][compare]") {
  // p95 100 -> 108 ms: +8 ms is above the 5 ms floor, but +8% is within 10%.
  const auto c = compare_ok(result_of({{.slow_ms = 100}}), result_of({{.slow_ms = 108}}));
  const auto& p95 = row(c, "step 2: 100 users", Metric::kP95);
  CHECK(p95.judged.change == Change::kSame);
  CHECK(p95.judged.delta == Approx(8).epsilon(0.01));
  CHECK_THAT(p95.explanation, Contains("within the 10% tolerance"));
  CHECK_FALSE(c.regressed());
}

TEST_CASE("compare: a change above the tolerance but under the floor is noise",
          "[reports][compare]") {
  // p50 2 -> 3 ms: +50%, but only +1 ms, under the 5 ms floor.
  const auto c = compare_ok(result_of({{.fast_ms = 2}}), result_of({{.fast_ms = 3}}));
  const auto& p50 = row(c, "step 2: 100 users", Metric::kP50);
  CHECK(p50.judged.change == Change::kSame);
  CHECK(p50.judged.relative == Approx(0.5).epsilon(0.01));
  CHECK_THAT(p50.explanation, Contains("under the 5ms floor"));
  CHECK_FALSE(c.regressed());
  SECTION("a lower floor makes the same change a regression") {
    const auto strict = compare_ok(result_of({{.fast_ms = 2}}), result_of({{.fast_ms = 3}}),
                                   {.relative = 0.10, .latency_floor_ms = 0.5});
    CHECK(row(strict, "step 2: 100 users", Metric::kP50).judged.change == Change::kWorse);
  }
}

TEST_CASE("compare: above both the tolerance and the floor is a regression naming where",
          "[reports][compare]") {
  // Step 3's p95 and p99: 110 -> 152 ms (+38%, +42 ms). Step 2 unchanged.
  const auto base = result_of({{}, {.slow_ms = 110}});
  const auto candidate = result_of({{}, {.slow_ms = 152}});
  const auto c = compare_ok(base, candidate);
  CHECK(c.regressed());
  const auto& p95 = row(c, "step 3: 200 users", Metric::kP95);
  CHECK(p95.judged.change == Change::kWorse);
  CHECK(p95.explanation ==
        "candidate p95 is 38.2% (+42.0ms) slower than base in step 3: 200 users");
  CHECK(row(c, "step 3: 200 users", Metric::kP99).judged.change == Change::kWorse);
  CHECK(row(c, "step 2: 100 users", Metric::kP95).judged.change == Change::kSame);
  // The run merges both steps: its p95 and p99 are step 3's slow responses too.
  CHECK(row(c, "run", Metric::kP99).judged.change == Change::kWorse);
  CHECK(c.count(Change::kWorse) == 3);

  const auto summary = lg::reports::comparison_summary(c);
  CHECK_THAT(summary, Contains("REGRESSION: 3 of 15 metrics worse"));
  CHECK_THAT(summary, Contains("slower than base"));
  const auto table = lg::reports::comparison_table(c);
  CHECK_THAT(table, Contains("scope"));
  CHECK_THAT(table, Contains("verdict"));
  CHECK_THAT(table, Contains("WORSE: candidate p95 is 38.2% (+42.0ms) slower"));
}

TEST_CASE("compare: an improvement is reported as better, not as a regression",
          "[reports][compare]") {
  const auto c = compare_ok(result_of({{.slow_ms = 100}}), result_of({{.slow_ms = 60}}));
  const auto& p95 = row(c, "step 2: 100 users", Metric::kP95);
  CHECK(p95.judged.change == Change::kBetter);
  CHECK(p95.explanation == "candidate p95 is 40% (-40.0ms) faster than base in step 2: 100 users");
  CHECK_FALSE(c.regressed());
  CHECK_THAT(lg::reports::comparison_summary(c), Contains("no regression"));
}

TEST_CASE("compare: a drop in the achieved rate beyond the tolerance is a regression",
          "[reports][compare]") {
  SECTION("100/s -> 80/s") {
    const auto c = compare_ok(result_of({{}}), result_of({{.sent = 800}}));
    const auto& rate = row(c, "step 2: 100 users", Metric::kRate);
    CHECK(rate.judged.change == Change::kWorse);
    CHECK(rate.explanation ==
          "candidate achieved rate is 20% (-20/s) lower than base in step 2: 100 users");
    CHECK(row(c, "run", Metric::kRate).judged.change == Change::kWorse);
  }
  SECTION("5/s -> 4/s: -20%, but not more than the 1/s floor") {
    const auto c = compare_ok(result_of({{.sent = 50}}), result_of({{.sent = 40}}));
    CHECK(row(c, "step 2: 100 users", Metric::kRate).judged.change == Change::kSame);
  }
  SECTION("a higher rate is better") {
    const auto c = compare_ok(result_of({{.sent = 800}}), result_of({{}}));
    CHECK(row(c, "step 2: 100 users", Metric::kRate).judged.change == Change::kBetter);
  }
}

TEST_CASE("compare: an error-rate rise beyond tolerance and floor is a regression",
          "[reports][compare]") {
  SECTION("0% -> 2%: no relative change can be computed, the floor decides") {
    const auto c = compare_ok(result_of({{}}), result_of({{.failed = 20}}));
    const auto& e = row(c, "step 2: 100 users", Metric::kErrorRate);
    CHECK(e.judged.change == Change::kWorse);
    CHECK(e.explanation ==
          "candidate error rate is +2.00 pp (from 0) higher than base in step 2: 100 users");
  }
  SECTION("0.1% -> 0.15%: +50%, but under the 0.1 percentage point floor") {
    const auto c = compare_ok(result_of({{.sent = 2000, .failed = 2}}),
                              result_of({{.sent = 2000, .failed = 3}}));
    const auto& e = row(c, "step 2: 100 users", Metric::kErrorRate);
    CHECK(e.judged.change == Change::kSame);
    CHECK_THAT(e.explanation, Contains("under the 0.1 pp floor"));
    SECTION("the floor is settable") {
      const auto strict =
          compare_ok(result_of({{.sent = 2000, .failed = 2}}),
                     result_of({{.sent = 2000, .failed = 3}}), {.error_rate_floor = 0.0001});
      CHECK(row(strict, "step 2: 100 users", Metric::kErrorRate).judged.change == Change::kWorse);
    }
  }
  SECTION("fewer errors are better") {
    const auto c = compare_ok(result_of({{.failed = 50}}), result_of({{.failed = 5}}));
    CHECK(row(c, "run", Metric::kErrorRate).judged.change == Change::kBetter);
  }
}

TEST_CASE("compare: changes within the histogram's precision are never regressions",
          "[reports][compare]") {
  // 100,000 us and 100,060 us land in neighbouring slots (64 us wide there): the reported p95s
  // differ by 0.06%, within the histogram's 1/1024. Even with no tolerance and no floor.
  const auto c = compare_ok(result_of({{.slow_ms = 100}}), result_of({{.slow_ms = 100.06}}),
                            {.relative = 0, .latency_floor_ms = 0});
  const auto& p95 = row(c, "step 2: 100 users", Metric::kP95);
  CHECK(p95.judged.delta > 0);
  CHECK(p95.judged.change == Change::kSame);
  CHECK_THAT(p95.explanation, Contains("histogram's precision"));
}

TEST_CASE("compare: a side without responses has no latency to compare", "[reports][compare]") {
  const auto c = compare_ok(result_of({{}}), result_of({{.sent = 0}}));
  const auto& p50 = row(c, "step 2: 100 users", Metric::kP50);
  CHECK(p50.judged.change == Change::kNoData);
  CHECK(p50.explanation == "nothing to compare: no responses in candidate in step 2: 100 users");
  // Sending nothing at all is still caught by the achieved rate.
  CHECK(row(c, "step 2: 100 users", Metric::kRate).judged.change == Change::kWorse);
}

TEST_CASE("compare: different schedules are not comparable, every difference listed",
          "[reports][compare]") {
  const auto base = result_of({{}, {}, {}});
  auto candidate = result_of({{}, {}, {}, {}});
  candidate.plan.name = "other";
  candidate.plan.arrival = lg::Arrival::kPoisson;
  candidate.plan.steps[2].duration_ns = 30'000'000'000;
  candidate.plan.steps[3].users = 250;
  candidate.plan.steps[1].warmup = true;
  candidate.plan.steps[3].start_rate = candidate.plan.steps[3].end_rate = 500;
  candidate.plan.requests[0].path = "/slow";
  const auto c = lg::reports::compare(base, candidate);
  REQUIRE_FALSE(c.has_value());
  const std::vector<std::string> expected{"scenario name 'release-check' vs 'other'",
                                          "arrival constant vs poisson",
                                          "steps: 4 vs 5",
                                          "step 2: warm-up no vs yes",
                                          "step 3: duration 10s vs 30s",
                                          "step 4: users 300 vs 250",
                                          "request 1: path '/' vs '/slow'"};
  CHECK(c.error() == expected);
  SECTION("a rate change with the same users is named as a rate") {
    auto other = base;
    other.plan.steps[2].start_rate = other.plan.steps[2].end_rate = 150;
    CHECK(lg::reports::schedule_differences(base.plan, other.plan) ==
          std::vector<std::string>{"step 3: rate 200/s vs 150/s"});
  }
}

TEST_CASE("compare: interrupted or saturated runs carry a note", "[reports][compare]") {
  auto candidate = result_of({{}});
  candidate.interrupted = true;
  const auto c = compare_ok(result_of({{}}), candidate);
  REQUIRE(c.notes.size() == 1);
  CHECK_THAT(c.notes[0], Contains("the candidate run was interrupted"));
  CHECK_THAT(lg::reports::comparison_table(c), Contains("note: the candidate run was interrupted"));
}
