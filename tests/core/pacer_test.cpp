// Pacer tables: the schedule is a pure function of (plan, time, index); nothing sleeps here.
#include <cmath>

#include <catch2/catch.hpp>

#include "loadgen/core/pacer.h"

using lg::ArrivalCursor;
using lg::Schedule;
using lg::StepPlan;

namespace {

constexpr std::int64_t kS = 1'000'000'000;

StepPlan flat(double rate, std::int64_t ns) {
  return {"", 0, rate, rate, ns, false};
}
StepPlan ramp(double from, double to, std::int64_t ns) {
  return {"", 0, from, to, ns, false};
}

std::vector<lg::DueArrival> walk(const Schedule& s, lg::Arrival a, std::uint64_t first,
                                 std::uint64_t stride) {
  std::vector<lg::DueArrival> out;
  for (ArrivalCursor c(s, a, 7, first, stride); c.peek(); c.advance()) out.push_back(*c.peek());
  return out;
}

}  // namespace

TEST_CASE("pacer: constant arrivals due by time t", "[pacer]") {
  const Schedule s({flat(10, 2 * kS), flat(100, 1 * kS), flat(0, 1 * kS), flat(4, 1 * kS)});
  // (t in ns, arrivals due in [0, t]): arrival k of a 10/s step is due at k x 100 ms.
  auto [t, due] = GENERATE(table<std::int64_t, std::uint64_t>({
      {-1, 0},
      {0, 1},
      {99'999'999, 1},
      {100'000'000, 2},
      {1'999'999'999, 20},
      {2 * kS, 21},  // step 2 starts: its first arrival is due at once
      {2 * kS + 9'999'999, 21},
      {2 * kS + 10'000'000, 22},
      {3 * kS - 1, 120},
      {3 * kS, 120},  // the 0/s step sends nothing
      {4 * kS - 1, 120},
      {4 * kS, 121},
      {5 * kS - 1, 124},
      {5 * kS, 124},  // end: 20 + 100 + 0 + 4 arrivals
      {9 * kS, 124},
  }));
  CAPTURE(t);
  CHECK(s.constant_due(t) == due);
}

TEST_CASE("pacer: time of arrival k and the step it lands in", "[pacer]") {
  const Schedule s({flat(10, 2 * kS), flat(100, 1 * kS)});
  auto [u, t, step] = GENERATE(table<double, std::int64_t, std::uint32_t>({
      {0, 0, 0},
      {1, 100'000'000, 0},
      {19, 1'900'000'000, 0},
      {20, 2 * kS, 1},
      {21, 2 * kS + 10'000'000, 1},
      {119, 2 * kS + 990'000'000, 1},
  }));
  CAPTURE(u);
  REQUIRE(s.time_at(u).has_value());
  CHECK(*s.time_at(u) == t);
  CHECK(s.step_at(t) == step);
  CHECK_FALSE(s.time_at(120).has_value());
  CHECK(s.total_arrivals() == Approx(120));
}

TEST_CASE("pacer: a linear ramp follows the integral of its rate", "[pacer]") {
  // 0 -> 100/s over 10 s: N(t) = 5 t^2 (t in s), 500 arrivals in all.
  const Schedule s({ramp(0, 100, 10 * kS)});
  CHECK(s.total_arrivals() == Approx(500));
  for (double t_s : {1.0, 2.5, 5.0, 7.5, 9.9}) {
    const auto t = static_cast<std::int64_t>(t_s * 1e9);
    CHECK(s.expected_arrivals(t) == Approx(5 * t_s * t_s).epsilon(1e-9));
    CHECK(s.rate_at(t) == Approx(10 * t_s));
  }
  // Arrival k is due at sqrt(k / 5) s; falling ramps invert the same way.
  CHECK(*s.time_at(125) == 5 * kS);
  const Schedule down({ramp(100, 0, 10 * kS)});
  CHECK(*down.time_at(375) == 5 * kS);  // N(5 s) = 100 x 5 - 5 x 25 = 375
}

TEST_CASE("pacer: constant_due never drifts over a long schedule", "[pacer]") {
  // One hour at 3/s: the count at each whole second is exactly 3 t + 1 (arrival 0 at t = 0).
  const Schedule s({flat(3, 3600 * kS)});
  for (std::int64_t sec = 0; sec < 3600; sec += 97) {
    CHECK(s.constant_due(sec * kS) == static_cast<std::uint64_t>(3 * sec + 1));
  }
}

TEST_CASE("pacer: workers' cursors split the schedule into disjoint, complete slices", "[pacer]") {
  const Schedule s({flat(50, 2 * kS), ramp(50, 150, 1 * kS)});
  auto arrival = GENERATE(lg::Arrival::kConstant, lg::Arrival::kPoisson);
  const auto whole = walk(s, arrival, 0, 1);
  std::vector<lg::DueArrival> merged;
  for (std::uint64_t w = 0; w < 3; ++w) {
    auto part = walk(s, arrival, w, 3);
    for (std::size_t i = 1; i < part.size(); ++i) CHECK(part[i].due_ns >= part[i - 1].due_ns);
    merged.insert(merged.end(), part.begin(), part.end());
  }
  REQUIRE(merged.size() == whole.size());
  std::sort(merged.begin(), merged.end(), [](auto& a, auto& b) { return a.index < b.index; });
  for (std::size_t i = 0; i < whole.size(); ++i) {
    CHECK(merged[i].index == whole[i].index);
    CHECK(merged[i].due_ns == whole[i].due_ns);
    CHECK(merged[i].step == whole[i].step);
  }
}

TEST_CASE("pacer: Poisson arrivals have the planned mean rate and exponential gaps", "[pacer]") {
  const Schedule s({flat(1000, 20 * kS)});
  const auto all = walk(s, lg::Arrival::kPoisson, 0, 1);
  // 20,000 expected; the count of a Poisson process has sd sqrt(20000) ~ 141.
  CHECK(all.size() > 19'500);
  CHECK(all.size() < 20'500);
  // Exponential gaps: P(gap > mean) = 1/e.
  std::size_t longer = 0;
  for (std::size_t i = 1; i < all.size(); ++i)
    longer += all[i].due_ns - all[i - 1].due_ns > 1'000'000;
  const double share = static_cast<double>(longer) / static_cast<double>(all.size() - 1);
  CHECK(share == Approx(std::exp(-1.0)).margin(0.02));
  // Same seed, same schedule: the arrivals are a pure function of the plan.
  CHECK(walk(s, lg::Arrival::kPoisson, 0, 1).back().due_ns == all.back().due_ns);
}

TEST_CASE("pacer: an empty schedule has no arrivals", "[pacer]") {
  const Schedule s({});
  CHECK(s.constant_due(kS) == 0);
  CHECK_FALSE(s.time_at(0).has_value());
  CHECK(walk(s, lg::Arrival::kConstant, 0, 1).empty());
}
