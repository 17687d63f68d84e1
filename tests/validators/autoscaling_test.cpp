// The autoscaling checks on hand-built runs: scale-up and scale-down deadlines, cooldown gaps,
// failures around scale events, balance across replicas, unhealthy replicas left in place.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "parsed_slos.h"
#include "validators/evaluate.h"
#include "validators/verdict.h"

using Catch::Matchers::Contains;
using lg::validators::Check;
using lg::validators::Scope;

namespace {

// A run of the embedded stack: what the engine measured and what it saw of the stack.
struct ScaledRun : lg::RunResult {
  lg::StackRecord stack;
};

std::vector<Check> judge(const std::string& text, const ScaledRun& r, Scope scope = Scope::kBoth) {
  auto slo = lg::validators::parse_slo(text);
  REQUIRE(slo.has_value());
  return lg::validators::evaluate({*slo}, r, r.stack, scope);
}

// Three 20 s steps (0-20 s, 20-40 s, 40-60 s) of a run that scales 2 -> 3 -> 4 and back to 2;
// one second of the timeline per entry of `replicas`, all healthy, no failures.
ScaledRun scaling_run() {
  ScaledRun r;
  for (int i = 0; i < 3; ++i) {
    lg::StepResult s;
    s.plan.label = std::to_string((i + 1) * 10) + " users";
    s.start_ns = std::int64_t{i} * 20'000'000'000;
    s.end_ns = s.start_ns + 20'000'000'000;
    s.data.counters.scheduled = s.data.counters.sent = s.data.counters.completed = 100;
    r.steps.push_back(s);
  }
  for (std::int64_t t = 0; t < 60; ++t) {
    lg::TimelinePoint p;
    p.second = t;
    p.replicas = t < 27 ? 2 : t < 35 ? 3 : t < 48 ? 4 : 2;
    p.healthy = p.replicas;
    r.timeline.push_back(p);
  }
  auto event = [&](double t, const char* type, int from, int to) {
    lg::StackEvent e;
    e.t_s = t;
    e.own_s = t + 100;  // the autoscaler's own clock started 100 s before the run
    e.type = type;
    e.from = from;
    e.to = to;
    r.stack.events.push_back(e);
  };
  event(26.2, "scale_up", 2, 3);
  event(34.2, "scale_up", 3, 4);
  event(40.5, "recovery", 4, 4);  // not a scale event: ignored by the gap and error checks
  event(47.2, "scale_down", 4, 2);
  return r;
}

}  // namespace

TEST_CASE("autoscaling: a scale-up deadline passes when the count is reached in time",
          "[autoscaling]") {
  const auto r = scaling_run();
  auto c = judge("replicas >= 3 within 10s of step 2", r);
  REQUIRE(c.size() == 1);  // judged once, for the run, even with per-step scope asked for
  CHECK(c[0].scope == "run");
  CHECK(c[0].passed);
  CHECK(c[0].observed == "3 at t=27 s");
  CHECK_THAT(c[0].explanation, Contains("step 2") && Contains("7 s after the step started"));

  auto late = judge("replicas >= 4 within 10s of step 2", r);  // 4 came at t=35: too late
  REQUIRE(late.size() == 1);
  CHECK_FALSE(late[0].passed);
  CHECK(late[0].observed == "3 at best");
  CHECK_THAT(late[0].explanation, Contains("at best 3 replicas"));
}

TEST_CASE("autoscaling: a scale-down deadline judges the lowest reading", "[autoscaling]") {
  const auto r = scaling_run();
  CHECK(judge("replicas <= 2 within 10s of step 3", r)[0].passed);       // 2 at t=48
  CHECK_FALSE(judge("replicas <= 2 within 5s of step 3", r)[0].passed);  // still 4 until t=47
  auto beyond = judge("replicas >= 2 within 10s of step 4", r);          // there is no step 4
  CHECK_FALSE(beyond[0].passed);
  CHECK_THAT(beyond[0].explanation, Contains("only 3 steps"));
}

TEST_CASE("autoscaling: the cooldown check uses the autoscaler's own clock", "[autoscaling]") {
  auto r = scaling_run();
  auto ok = judge("scale_gap >= 8s", r, Scope::kRun);  // gaps 8 s and 13 s; recovery ignored
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].passed);
  CHECK(ok[0].observed == "8.00s");
  CHECK_FALSE(judge("scale_gap >= 8.1s", r, Scope::kRun)[0].passed);
  CHECK(judge("scale_gap.max == 13s", r, Scope::kRun)[0].passed);
  // Wall-clock times off by 5 ms do not matter when the autoscaler's clock is known...
  r.stack.events[1].t_s -= 0.005;
  CHECK(judge("scale_gap >= 8s", r, Scope::kRun)[0].passed);
  // ...and are used when it is not.
  for (auto& e : r.stack.events) e.own_s = -1;
  CHECK_FALSE(judge("scale_gap >= 8s", r, Scope::kRun)[0].passed);
}

TEST_CASE("autoscaling: fewer than two scale events cannot break a cooldown", "[autoscaling]") {
  auto r = scaling_run();
  r.stack.events.resize(1);
  auto c = judge("scale_gap >= 20s", r, Scope::kRun);
  CHECK(c[0].passed);
  CHECK_THAT(c[0].explanation, Contains("fewer than two scale events"));
}

TEST_CASE("autoscaling: failures around a scale event are counted, others are not",
          "[autoscaling]") {
  auto r = scaling_run();
  CHECK(judge("scale_errors == 0", r, Scope::kRun)[0].passed);
  r.timeline[31].counters.count(lg::ErrorKind::kRead);     // 5 s after the event at 26.2: counted
  r.timeline[32].counters.count(lg::ErrorKind::kRead);     // 6 s after, 2 s before the next: out
  r.timeline[42].counters.count(lg::ErrorKind::kHttp5xx);  // near the recovery only: not counted
  auto c = judge("scale_errors == 0", r, Scope::kRun);
  CHECK_FALSE(c[0].passed);
  CHECK(c[0].observed == "1");
  CHECK_THAT(c[0].explanation, Contains("3 scale events"));
}

TEST_CASE("autoscaling: balance is the highest over the lowest share of an even split",
          "[autoscaling]") {
  auto r = scaling_run();
  r.stack.replica_load = {{"web1", 1200, 1000, 60}, {"web2", 900, 1000, 60}, {"web3", 50, 40, 20}};
  auto c = judge("balance <= 1.5", r);
  REQUIRE(c.size() == 1);  // run scope only
  CHECK(c[0].passed);
  CHECK(c[0].observed == "1.33");  // web3 has under 100 requests of even share: left out
  CHECK_THAT(c[0].explanation, Contains("web1") && Contains("web2"));
  CHECK_FALSE(judge("balance <= 1.3", r)[0].passed);
  r.stack.replica_load.resize(1);
  auto none = judge("balance <= 1.5", r);
  CHECK_FALSE(none[0].passed);
  CHECK(none[0].observed == "no data");
}

TEST_CASE("autoscaling: an unhealthy replica left in the balancer is timed", "[autoscaling]") {
  auto r = scaling_run();
  CHECK(judge("unhealthy < 3s", r, Scope::kRun)[0].passed);
  for (std::size_t t = 41; t <= 44; ++t) r.timeline[t].healthy = 3;  // one of 4 DOWN for 4 s
  r.timeline[50].healthy = 1;                                        // and 1 s later on
  auto c = judge("unhealthy < 3s", r, Scope::kRun);
  CHECK_FALSE(c[0].passed);
  CHECK(c[0].observed == "4.00s");
  CHECK_THAT(c[0].explanation, Contains("seconds 41..44"));
  auto per_step = judge("unhealthy < 3s", r, Scope::kPerStep);
  REQUIRE(per_step.size() == 3);
  CHECK(per_step[1].passed);  // step 2 (20-40 s) had none
  CHECK_FALSE(per_step[2].passed);
}

TEST_CASE("autoscaling: the whole verdict puts environment failures before SLOs", "[autoscaling]") {
  auto r = scaling_run();
  r.total.counters.responses = 300;
  auto v = lg::validators::judge_run(
      r, slos({"run: scale_gap >= 8s", "replicas >= 9 within 5s of step 1"}), r.stack);
  CHECK(v.environment == 2);  // open loop: schedule and reachability
  CHECK(lg::validators::exit_code(v, false) == 1);
  CHECK(lg::validators::exit_code(v, true) == 130);
  r.generator.saturated = true;
  CHECK(lg::validators::exit_code(lg::validators::judge_run(r, {}), false) == 3);
  CHECK_THAT(lg::validators::verdict_table(v), Contains("FAILED replicas >= 9"));
}
