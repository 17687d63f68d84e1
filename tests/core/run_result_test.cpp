// ResultBuilder: per-second snapshots from worker threads become one timeline, and the workers'
// final per-step totals become the run's steps. Pure: fed by hand-built snapshots, no threads.
#include "loadgen/core/run_result.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "tests/support/histogram_values.h"

namespace {

using lg::test::hist;

// Two flat steps: 20/s for 2 s, then a ramp 20 -> 40/s over 3 s.
lg::RunPlan two_step_plan() {
  lg::RunPlan plan;
  plan.steps.push_back({"20/s", 0, 20, 20, 2'000'000'000, false});
  plan.steps.push_back({"ramp", 0, 20, 40, 3'000'000'000, false});
  return plan;
}

lg::Counters counters(std::uint64_t sent, std::uint64_t completed, std::uint64_t timeouts = 0,
                      std::uint64_t http_5xx = 0) {
  lg::Counters c;
  c.scheduled = sent + 1;
  c.sent = sent;
  c.completed = completed;
  c.responses = completed + http_5xx;
  c.errors[static_cast<std::size_t>(lg::ErrorKind::kTimeout)] = timeouts;
  c.errors[static_cast<std::size_t>(lg::ErrorKind::kHttp5xx)] = http_5xx;
  c.late = sent / 10;
  c.dropped = 1;
  c.connects = 2;
  c.bytes_in = completed * 100;
  return c;
}

lg::IntervalSnapshot snapshot(std::uint32_t worker, std::int64_t second, lg::Counters c = {},
                              lg::Histogram latency = {}) {
  lg::IntervalSnapshot s;
  s.worker = worker;
  s.second = second;
  s.counters = c;
  s.latency = std::move(latency);
  return s;
}

lg::IntervalSnapshot final_snapshot(std::uint32_t worker, std::int64_t second,
                                    std::vector<lg::StepAccum> steps = {}) {
  auto s = snapshot(worker, second);
  s.final = true;
  s.steps = std::move(steps);
  return s;
}

std::vector<std::int64_t> seconds_of(const std::vector<lg::TimelinePoint>& points) {
  std::vector<std::int64_t> out;
  for (const auto& p : points) out.push_back(p.second);
  return out;
}

using Seconds = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("run_result: a second completes only once every worker delivered it", "[run_result]") {
  lg::ResultBuilder b(two_step_plan(), 2);
  CHECK(b.add(snapshot(0, 0)).empty());
  CHECK(b.add(snapshot(0, 1)).empty());  // worker 0 runs ahead: still waiting for worker 1
  CHECK(seconds_of(b.add(snapshot(1, 0))) == Seconds{0});
  CHECK(seconds_of(b.add(snapshot(1, 1))) == Seconds{1});
  CHECK(b.add(snapshot(1, 2)).empty());
  CHECK_FALSE(b.all_final());
  CHECK(seconds_of(b.add(snapshot(0, 2))) == Seconds{2});
  const auto r = b.finish(3'000'000'000, 0.5);
  CHECK(seconds_of(r.timeline) == Seconds{0, 1, 2});
}

TEST_CASE("run_result: a worker that finished early does not hold back later seconds",
          "[run_result]") {
  lg::ResultBuilder b(two_step_plan(), 2);
  CHECK(b.add(snapshot(0, 0)).empty());
  CHECK(seconds_of(b.add(snapshot(1, 0))) == Seconds{0});
  CHECK(b.add(snapshot(1, 1)).empty());
  CHECK(b.add(snapshot(1, 2)).empty());
  CHECK(b.add(snapshot(1, 3)).empty());  // second 1 still lacks worker 0
  CHECK(seconds_of(b.add(snapshot(0, 1))) == Seconds{1});
  // Worker 0's last snapshot is second 2: seconds 2 and 3 now only need worker 1, which sent them.
  CHECK(seconds_of(b.add(final_snapshot(0, 2))) == Seconds{2, 3});
  CHECK_FALSE(b.all_final());
  CHECK(seconds_of(b.add(snapshot(1, 4))) == Seconds{4});
  CHECK(seconds_of(b.add(final_snapshot(1, 5))) == Seconds{5});
  CHECK(b.all_final());
  CHECK(seconds_of(b.finish(6'000'000'000, 1.0).timeline) == Seconds{0, 1, 2, 3, 4, 5});
}

TEST_CASE("run_result: the final second of an early worker still waits for the others",
          "[run_result]") {
  lg::ResultBuilder b(two_step_plan(), 2);
  CHECK(b.add(final_snapshot(0, 0)).empty());  // second 0 was also worker 1's to deliver
  CHECK(b.all_final() == false);
  CHECK(seconds_of(b.add(snapshot(1, 0))) == Seconds{0});
  CHECK(seconds_of(b.add(snapshot(1, 1))) == Seconds{1});
}

TEST_CASE("run_result: timeline points sum counters and merge latencies across workers",
          "[run_result]") {
  lg::ResultBuilder b(two_step_plan(), 2);
  auto a = snapshot(0, 0, counters(10, 9, 1, 0), hist({{1'000, 9}}));
  a.cpu_ns = 250'000'000;
  a.max_lag_ns = 3'000'000;
  a.open_connections = 4;
  a.rss_kb = 1000;
  auto c = snapshot(1, 0, counters(12, 10, 0, 2), hist({{3'000, 1}}));
  c.cpu_ns = 500'000'000;
  c.max_lag_ns = 1'500'000;
  c.open_connections = 6;
  c.rss_kb = 2000;
  CHECK(b.add(std::move(a)).empty());
  const auto done = b.add(std::move(c));
  REQUIRE(done.size() == 1);
  const auto& t = done.front();

  lg::Counters sum = counters(10, 9, 1, 0);
  sum.add(counters(12, 10, 0, 2));
  CHECK(t.counters == sum);
  CHECK(t.counters.sent == 22);
  CHECK(t.counters.completed == 19);
  CHECK(t.counters.error(lg::ErrorKind::kTimeout) == 1);
  CHECK(t.counters.error(lg::ErrorKind::kHttp5xx) == 2);
  CHECK(t.latency.count == 10);
  CHECK(t.latency.p50 == Approx(1.0));
  CHECK(t.latency.max == Approx(3.0));   // worker 1's value made it into the merged histogram
  CHECK(t.cpu_percent == Approx(75.0));  // 0.75 s of CPU in a 1 s interval
  CHECK(t.max_lag_ms == Approx(3.0));    // the larger lag, not the sum
  CHECK(t.open_connections == 10);
  CHECK(t.rss_kb == 2000);

  const auto r = b.finish(1'000'000'000, 0.1);
  REQUIRE(r.timeline.size() == 1);
  CHECK(r.timeline.front().counters == sum);
}

TEST_CASE("run_result: per-step totals merge across workers, finish() derives the rates",
          "[run_result]") {
  const auto plan = two_step_plan();
  lg::ResultBuilder b(plan, 2);

  auto accum = [](lg::Counters c, lg::Histogram lat, lg::Histogram svc, lg::Histogram lag) {
    lg::StepAccum s;
    s.counters = c;
    s.latency = std::move(lat);
    s.service = std::move(svc);
    s.lag = std::move(lag);
    return s;
  };
  // Worker 0 sent 20 + 45, worker 1 sent 18 + 44: 38 in the 2 s step, 89 in the 3 s step.
  std::vector<lg::StepAccum> w0{
      accum(counters(20, 19, 1), hist({{1'000, 19}}), hist({{800, 19}}), hist({{10, 20}})),
      accum(counters(45, 40, 0, 5), hist({{5'000, 45}}), hist({{4'000, 45}}), hist({{20, 45}}))};
  std::vector<lg::StepAccum> w1{
      accum(counters(18, 18), hist({{2'000, 18}}), hist({{1'500, 18}}), hist({{30, 18}})),
      accum(counters(44, 44), hist({{9'000, 44}}), hist({{7'000, 44}}), hist({{40, 44}}))};
  const auto expected_step0 = [&] {
    auto s = w0[0];
    s.merge(w1[0]);
    return s;
  }();
  const auto expected_step1 = [&] {
    auto s = w0[1];
    s.merge(w1[1]);
    return s;
  }();

  CHECK(b.add(final_snapshot(0, 4, w0)).empty());
  CHECK(seconds_of(b.add(final_snapshot(1, 4, w1))) == Seconds{4});
  REQUIRE(b.all_final());
  const auto r = b.finish(5'200'000'000, 2.5);

  CHECK(r.duration_ns == 5'200'000'000);
  REQUIRE(r.steps.size() == 2);
  const auto& s0 = r.steps[0];
  const auto& s1 = r.steps[1];
  CHECK(s0.start_ns == 0);
  CHECK(s0.end_ns == 2'000'000'000);
  CHECK(s1.start_ns == 2'000'000'000);
  CHECK(s1.end_ns == 5'000'000'000);
  CHECK(s0.plan.label == "20/s");
  CHECK(s1.plan.label == "ramp");

  CHECK(s0.data.counters.sent == 38);
  CHECK(s0.data.counters == expected_step0.counters);
  CHECK(s0.data.latency == expected_step0.latency);
  CHECK(s0.data.service == expected_step0.service);
  CHECK(s0.data.lag == expected_step0.lag);
  CHECK(s1.data.counters.sent == 89);
  CHECK(s1.data.counters == expected_step1.counters);
  CHECK(s1.data.latency == expected_step1.latency);
  CHECK(s1.data.latency.total_count() == 89);

  CHECK(s0.target_rate == Approx(20.0));
  CHECK(s1.target_rate == Approx(30.0));    // mean of the 20 -> 40 ramp
  CHECK(s0.achieved_rate == Approx(19.0));  // 38 sent / 2 s
  CHECK(s1.achieved_rate == Approx(89.0 / 3.0));

  auto total = expected_step0;
  total.merge(expected_step1);
  CHECK(r.total.counters == total.counters);
  CHECK(r.total.counters.sent == 127);
  CHECK(r.total.latency == total.latency);
  CHECK(r.total.service == total.service);
  CHECK(r.generator.lag == total.lag);
  CHECK(r.generator.threads == 2);
  CHECK(r.generator.cpu_seconds == Approx(2.5));
  // 19 + 45 + 18 + 44 = 126 responses (completed + 5xx)
  REQUIRE(r.total.counters.responses == 126);
  CHECK(r.generator.cpu_us_per_request == Approx(2.5e6 / 126.0));
}

TEST_CASE("run_result: finish() with nothing sent reports zero rates, not NaN", "[run_result]") {
  lg::ResultBuilder b(two_step_plan(), 1);
  CHECK(seconds_of(b.add(final_snapshot(0, 0, {lg::StepAccum{}, lg::StepAccum{}}))) == Seconds{0});
  const auto r = b.finish(1'000'000, 0.01);
  REQUIRE(r.steps.size() == 2);
  CHECK(r.steps[0].achieved_rate == 0.0);
  CHECK(r.generator.cpu_us_per_request == 0.0);
}

TEST_CASE("run_result: summarize gives percentiles in ms from a histogram in us", "[run_result]") {
  // 1000 values, each percentile's rank falling on the last value of a group.
  const auto h = hist({{1'000, 500},   // ranks 1..500
                       {2'000, 400},   // 501..900
                       {5'000, 50},    // 901..950
                       {10'000, 40},   // 951..990
                       {20'000, 9},    // 991..999
                       {50'000, 1}});  // 1000
  const auto s = lg::summarize(h);
  CHECK(s.count == 1000);
  CHECK(s.p50 == Approx(1.0));  // exact below 2048 us
  CHECK(s.p90 == Approx(2.0));
  CHECK(s.p95 == Approx(5.0).epsilon(0.001));  // within the histogram's 1/1000 precision
  CHECK(s.p99 == Approx(10.0).epsilon(0.001));
  CHECK(s.p999 == Approx(20.0).epsilon(0.001));
  CHECK(s.max == Approx(50.0));
  CHECK(s.min == Approx(1.0));
  CHECK(s.mean == Approx(2.18).epsilon(0.001));  // 2180 us: (500 + 800 + 250 + 400 + 180 + 50) us
}

TEST_CASE("run_result: summarize of an empty histogram is all zero", "[run_result]") {
  const auto s = lg::summarize(lg::Histogram{});
  CHECK(s.count == 0);
  CHECK(s.p50 == 0.0);
  CHECK(s.p99 == 0.0);
  CHECK(s.max == 0.0);
  CHECK(s.mean == 0.0);
}
