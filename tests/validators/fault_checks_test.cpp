// The fault checks (validators/fault_checks.h): "recovers within T of fault N", "errors during
// fault N OP X" and "replaced within T of fault N", parsed and judged on hand-built runs whose
// per-second figures are chosen so that each rule's edge is visible.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "validators/evaluate.h"
#include "validators/slo.h"

using Catch::Matchers::Contains;
using lg::validators::AggKind;
using lg::validators::Check;
using lg::validators::Metric;
using lg::validators::Op;
using lg::validators::parse_slo;
using lg::validators::Scope;

namespace {

constexpr std::int64_t kS = 1'000'000'000;

// A run of the embedded stack: what the engine measured and what it saw of the stack.
struct FaultRun : lg::RunResult {
  lg::StackRecord stack;

  // Second `s`: `scheduled` arrivals, `failed` of them 5xx, the rest completed with p99 `p99`.
  lg::TimelinePoint& at(std::int64_t s, std::uint64_t scheduled, std::uint64_t failed, double p99) {
    lg::TimelinePoint p;
    p.second = s;
    p.counters.scheduled = p.counters.sent = scheduled;
    p.counters.completed = scheduled - failed;
    p.counters.responses = scheduled;
    for (std::uint64_t i = 0; i < failed; ++i) p.counters.count(lg::ErrorKind::kHttp5xx);
    p.latency.p99 = p99;
    p.latency.count = scheduled;
    timeline.push_back(p);
    return timeline.back();
  }
  // Seconds [from, to): 100 arrivals each, none failed, p99 `p99`.
  void calm(std::int64_t from, std::int64_t to, double p99) {
    for (std::int64_t s = from; s < to; ++s) at(s, 100, 0, p99);
  }
  void action(std::uint32_t fault, const std::string& kind, double at_s, double fired_s,
              bool ok = true, const std::string& outcome = "done") {
    lg::ActionEvent a;
    a.kind = kind;
    a.target = kind == "kill" ? "replica:1" : "db";
    a.at_ns = static_cast<std::int64_t>(at_s * 1e9);
    a.fired_ns = fired_s < 0 ? -1 : static_cast<std::int64_t>(fired_s * 1e9);
    a.ok = ok;
    a.outcome = outcome;
    a.fault = fault;
    actions.push_back(a);
  }
  // One 0..length s step, not warm-up.
  void step(std::int64_t from_s, std::int64_t to_s, bool warmup = false) {
    lg::StepResult s;
    s.plan.warmup = warmup;
    s.plan.label = warmup ? "warm" : "load";
    s.start_ns = from_s * kS;
    s.end_ns = to_s * kS;
    steps.push_back(s);
  }
};

Check judge(const std::string& text, const FaultRun& r, Scope scope = Scope::kBoth) {
  auto slo = parse_slo(text);
  INFO(text);
  REQUIRE(slo.has_value());
  const auto checks = lg::validators::evaluate({*slo}, r, r.stack, scope);
  REQUIRE(checks.size() == 1);
  INFO(checks[0].explanation);
  CHECK(checks[0].scope == "run");
  CHECK(checks[0].name == text);
  return checks[0];
}

// 30 s at 100/s, p99 100 ms before the fault; replica 1 killed at 10 s (an instant fault: it
// ends at 11 s); p99 900 ms in seconds 10..13, back to 100 ms from second 14 on.
FaultRun killed_at_10() {
  FaultRun r;
  r.step(0, 30);
  r.calm(0, 10, 100);
  for (std::int64_t s = 10; s < 14; ++s) r.at(s, 100, 0, 900);
  r.calm(14, 30, 100);
  r.action(1, "kill", 10, 10);
  return r;
}

}  // namespace

// ---- parsing ----

TEST_CASE("fault checks: the three forms parse into typed values", "[fault]") {
  const auto rec = parse_slo("recovers within 15s of fault 1");
  REQUIRE(rec.has_value());
  CHECK(rec->metric == Metric::kRecovers);
  CHECK(rec->fault == 1);
  CHECK(rec->op == Op::kLessEqual);
  CHECK(rec->limit == Approx(15000));
  CHECK(rec->agg.kind == AggKind::kRate);
  CHECK(lg::validators::format_limit(*rec) == "within 15.0s of fault 1");
  CHECK(lg::validators::run_scope_only(*rec));
  CHECK(lg::validators::needs_embedded_stack(*rec));

  const auto rep = parse_slo("run:  replaced   within 2m of fault 12");
  REQUIRE(rep.has_value());
  CHECK(rep->metric == Metric::kReplaced);
  CHECK(rep->fault == 12);
  CHECK(rep->limit == Approx(120000));
  CHECK(rep->scope == Scope::kRun);
  CHECK(rep->text == "replaced   within 2m of fault 12");
  CHECK(lg::validators::run_scope_only(*rep));
  CHECK(lg::validators::needs_embedded_stack(*rep));

  const auto [text, op, limit] = GENERATE(table<std::string, Op, double>({
      {"errors during fault 2 < 1%", Op::kLess, 0.01},
      {"errors during fault 2 <= 0.05", Op::kLessEqual, 0.05},
      {"errors during fault 2 == 0", Op::kEqual, 0},
      {"errors  during  fault  2>=50%", Op::kGreaterEqual, 0.5},
      {"errors during fault 2 within [1%, 5%]", Op::kWithin, 0.01},
  }));
  CAPTURE(text);
  const auto err = parse_slo(text);
  REQUIRE(err.has_value());
  CHECK(err->metric == Metric::kFaultErrors);
  CHECK(err->fault == 2);
  CHECK(err->op == op);
  CHECK(err->limit == Approx(limit));
  CHECK(lg::validators::run_scope_only(*err));
  CHECK(lg::validators::needs_embedded_stack(*err));
  // "errors" alone is still the count of failed requests.
  const auto count = parse_slo("errors == 0");
  REQUIRE(count.has_value());
  CHECK(count->metric == Metric::kErrors);
  CHECK(count->fault == 0);
  CHECK_FALSE(lg::validators::run_scope_only(*count));
}

TEST_CASE("fault checks: format_limit says which fault", "[fault]") {
  CHECK(lg::validators::format_limit(*parse_slo("errors during fault 3 < 5%")) ==
        "< 5% during fault 3");
  CHECK(lg::validators::format_limit(*parse_slo("errors during fault 1 within [1%, 5%]")) ==
        "within [1%, 5%] during fault 1");
  CHECK(lg::validators::format_limit(*parse_slo("replaced within 1m of fault 2")) ==
        "within 60.0s of fault 2");
}

TEST_CASE("fault checks: bad forms name the column, what is wrong and what is accepted",
          "[fault]") {
  const auto [text, fragment] = GENERATE(table<std::string, std::string>({
      {"recovers within 15s of fault",
       "at column 29: expected a fault number (1 is the scenario's first fault); accepted: "
       "fault N with N >= 1"},
      {"recovers within 15s of fault 0",
       "at column 30: faults count from 1 (1 is the scenario's first fault)"},
      {"replaced within 15s of fault x1", "at column 30: expected a fault number"},
      {"errors during fault 1 < 5s",
       "at column 26: unit \"s\" does not suit errors during fault (a fraction); accepted: a "
       "percentage"},
      {"errors during fault 1 < 150%", "150% is above 100%"},
      {"errors during fault 1 < 2", "fraction 2 is above 1"},
      {"errors during fault 0 < 1%", "at column 21: faults count from 1"},
      {"errors during fault 1", "at column 22: expected an operator; accepted: <, <="},
      {"errors during step 1 < 1%",
       "at column 15: expected \"fault\"; accepted: errors during "
       "fault N OP FRACTION"},
      {"errors.http_5xx during fault 1 < 1%",
       "at column 17: \"errors during fault N\" counts every kind of failure"},
      {"errors during fault 1 < 1% within 10s of step 1",
       "\"within ... of step N\" applies to replicas"},
      {"recovers < 15s",
       "at column 10: expected \"within\" at \"< 15s\"; accepted: recovers within DURATION of "
       "fault N, e.g. recovers within 15s of fault 1"},
      {"recovers", "at column 9: expected \"within\" after recovers"},
      {"recovers within 15% of fault 1",
       "at column 19: unit \"%\" does not suit the time limit of recovers (a time)"},
      {"recovers within soon of fault 1", "at column 17: expected a value at \"soon of fault 1\""},
      {"recovers within 15s fault 1", "at column 21: expected \"of\" after the time limit"},
      {"replaced within 15s of step 1",
       "at column 24: expected \"fault\"; accepted: replaced within DURATION of fault N"},
      {"recovers.p99 within 15s of fault 1", "at column 9: recovers takes no aggregation"},
      {"recovers within 15s of fault 1 twice", "at column 32: unexpected \"twice\" after"},
      {"recovered within 15s of fault 1", "unknown metric \"recovered\"; accepted: latency.<agg>"},
  }));
  CAPTURE(text);
  const auto s = parse_slo(text);
  REQUIRE_FALSE(s.has_value());
  CHECK_THAT(s.error(), Contains(fragment));
  CHECK(s.error().rfind("SLO \"", 0) == 0);
}

TEST_CASE("fault checks: the accepted metrics list the three forms", "[fault]") {
  const auto s = parse_slo("foo < 1");
  REQUIRE_FALSE(s.has_value());
  CHECK_THAT(s.error(), Contains("recovers within T of fault N, errors during fault N, replaced "
                                 "within T of fault N"));
}

TEST_CASE("fault checks: check_slo refuses a fault number where it does not belong", "[fault]") {
  auto s = *parse_slo("recovers within 15s of fault 1");
  s.fault = 0;
  CHECK_THAT(lg::validators::check_slo(s).error(), Contains("faults count from 1"));
  auto e = *parse_slo("error_rate < 1%");
  e.fault = 2;
  CHECK_THAT(lg::validators::check_slo(e).error(), Contains("a fault number applies only to"));
  auto o = *parse_slo("replaced within 15s of fault 1");
  o.op = Op::kLess;
  CHECK_THAT(lg::validators::check_slo(o).error(), Contains("takes no operator"));
}

// ---- recovers within T of fault N ----

TEST_CASE("recovers: back in the band 3 s after a kill passes 15 s and fails 2 s", "[fault]") {
  const auto r = killed_at_10();
  const auto pass = judge("recovers within 15s of fault 1", r);
  CHECK(pass.passed);
  CHECK(pass.observed == "3.0s after the end");
  CHECK(pass.limit == "within 15.0s of fault 1");
  CHECK_THAT(pass.explanation, Contains("p99 100 ms -> limit 150 ms"));
  CHECK_THAT(pass.explanation, Contains("baseline errors 0% -> limit 1%"));
  CHECK_THAT(pass.explanation, Contains("from seconds 0..9 (10 seconds before the fault)"));
  CHECK_THAT(pass.explanation, Contains("1 s after it fired, at t=11.000 s"));
  CHECK_THAT(pass.explanation, Contains("back in the band from second 14"));
  CHECK_THAT(pass.explanation, Contains("passed."));
  CHECK(judge("recovers within 3s of fault 1", r).passed);  // the limit is inclusive
  const auto fail = judge("recovers within 2s of fault 1", r);
  CHECK_FALSE(fail.passed);
  CHECK(fail.observed == "3.0s after the end");
  CHECK_THAT(fail.explanation, Contains("worst second out of the band within 2.00s of the end "
                                        "was second 11: p99 900 ms"));
  // Judged once, for the run, even when only steps are asked for.
  CHECK(judge("recovers within 15s of fault 1", r, Scope::kPerStep).passed);
}

TEST_CASE("recovers: the band's edges, in latency and in errors", "[fault]") {
  // Baseline p99 100 ms: the limit is max(150, 120) = 150 ms. At 150 ms the run is in the band.
  FaultRun r = killed_at_10();
  for (auto& p : r.timeline)
    if (p.second >= 11 && p.second < 14) p.latency.p99 = 150;
  CHECK(judge("recovers within 15s of fault 1", r).observed == "0.0s after the end");
  for (auto& p : r.timeline)
    if (p.second == 12) p.latency.p99 = 150.5;
  CHECK(judge("recovers within 15s of fault 1", r).observed == "2.0s after the end");

  // Baseline p99 10 ms: the limit is max(15, 30) = 30 ms; 1 point over 0% errors: 1%.
  FaultRun low;
  low.step(0, 30);
  low.calm(0, 10, 10);
  low.action(1, "kill", 10, 10.5);  // ends at 11.5 s: judged from second 11 on
  low.at(10, 100, 50, 500);
  low.at(11, 100, 1, 30);  // in: 1% errors, p99 at the limit
  low.at(12, 100, 2, 10);  // out: 2% errors
  low.at(13, 100, 0, 31);  // out: 31 ms
  low.calm(14, 30, 29);
  const auto c = judge("recovers within 15s of fault 1", low);
  CHECK(c.passed);
  CHECK_THAT(c.explanation, Contains("p99 10 ms -> limit 30 ms"));
  CHECK(c.observed == "2.5s after the end");  // second 14 starts 2.5 s after 11.5 s
}

TEST_CASE("recovers: the baseline is the 10 s before the fault, warm-up and idle left out",
          "[fault]") {
  FaultRun r;
  r.step(0, 5, true);  // warm-up: slow, but not the baseline
  r.step(5, 40);
  r.calm(0, 5, 2000);
  r.calm(5, 10, 400);   // outside the last 10 judged seconds before the fault
  r.calm(10, 15, 100);  // 10 baseline seconds: 10..14 and 17..21 (15 and 16 idle)
  r.at(15, 0, 0, 0);
  r.at(16, 100, 100, 0);  // no completion: not a baseline second
  r.calm(17, 22, 100);
  r.action(1, "kill", 22, 22);
  r.calm(22, 40, 140);
  const auto c = judge("recovers within 15s of fault 1", r);
  CHECK(c.passed);
  CHECK(c.observed == "0.0s after the end");
  CHECK_THAT(c.explanation, Contains("baseline p99 100 ms -> limit 150 ms"));
  CHECK_THAT(c.explanation, Contains("from seconds 10..21 (10 seconds before the fault)"));
  CHECK_THAT(c.explanation, Contains("baseline errors 0% -> limit 1%"));
}

TEST_CASE("recovers: a run that never gets back in the band fails and says so", "[fault]") {
  FaultRun r = killed_at_10();
  for (auto& p : r.timeline)
    if (p.second >= 14) p.latency.p99 = 300;
  r.at(30, 100, 100, 0);  // no completion at all: the worst second
  const auto c = judge("recovers within 15s of fault 1", r);
  CHECK_FALSE(c.passed);
  CHECK(c.observed == "not recovered");
  CHECK_THAT(c.explanation, Contains("not back in the band for 3 judged seconds in a row"));
  CHECK_THAT(c.explanation, Contains("(30)"));
  // Second 30 is 19 s after the end: outside the 15 s, so the worst is within it.
  CHECK_THAT(c.explanation, Contains("worst second out of the band within 15.0s of the end was "
                                     "second 11: p99 900 ms"));
  const auto wide = judge("recovers within 20s of fault 1", r);
  CHECK_THAT(wide.explanation,
             Contains("was second 30: 100 arrivals scheduled, no request completed"));
  CHECK_THAT(wide.explanation, Contains("failed."));
}

TEST_CASE("recovers: idle seconds are not judged, and the run's end may cut the 3 short",
          "[fault]") {
  FaultRun r;
  r.step(0, 20);
  r.calm(0, 10, 100);
  r.action(1, "pause", 10, 10);
  r.action(1, "resume", 12, 12.4);
  r.at(12, 100, 0, 100);  // in: the second the pause ended in
  r.at(13, 0, 0, 0);      // nothing scheduled: skipped, neither in nor out
  r.at(14, 100, 0, 100);
  r.at(15, 100, 0, 100);  // 12, 14, 15: three judged seconds in the band
  r.calm(16, 20, 100);
  const auto c = judge("recovers within 15s of fault 1", r);
  CHECK(c.passed);
  CHECK(c.observed == "0.0s after the end");  // second 12 starts before the end: 0, not -0.4
  CHECK_THAT(c.explanation, Contains("it ended at t=12.400 s"));

  FaultRun end;
  end.step(0, 16);
  end.calm(0, 10, 100);
  end.action(1, "pause", 10, 10);
  end.action(1, "resume", 12, 12);
  end.at(12, 100, 50, 100);  // out
  end.at(13, 100, 0, 400);   // out
  end.at(14, 100, 0, 100);
  end.at(15, 100, 0, 100);  // the run ends: two judged seconds suffice
  const auto e = judge("recovers within 15s of fault 1", end);
  CHECK(e.passed);
  CHECK(e.observed == "2.0s after the end");
}

TEST_CASE("recovers: no baseline fails", "[fault]") {
  FaultRun r;
  r.step(0, 10);
  r.at(0, 100, 0, 100);
  r.calm(1, 10, 100);
  r.action(1, "kill", 0.5, 0.5);  // no second ends before 0.5 s
  const auto c = judge("recovers within 15s of fault 1", r);
  CHECK_FALSE(c.passed);
  CHECK(c.observed == "no baseline");
  CHECK_THAT(c.explanation, Contains("there is no baseline"));
  // Only warm-up before the fault: no baseline either.
  FaultRun w;
  w.step(0, 5, true);
  w.step(5, 20);
  w.calm(0, 20, 100);
  w.action(1, "kill", 5, 5);
  CHECK(judge("recovers within 15s of fault 1", w).observed == "no baseline");
}

// ---- every check: a fault that is missing, did not fire, or failed ----

TEST_CASE("fault checks: a fault that did not fire or failed fails every check over it",
          "[fault]") {
  const auto form = GENERATE(std::string("recovers within 15s of fault 1"),
                             std::string("errors during fault 1 < 100%"),
                             std::string("replaced within 15s of fault 1"));
  FaultRun r = killed_at_10();
  r.actions.clear();
  r.action(1, "kill", 10, -1, false, "the run ended before its time");
  auto c = judge(form, r);
  CHECK_FALSE(c.passed);
  CHECK_THAT(c.explanation,
             Contains("fault 1 (kill replica:1) did not fire: \"the run ended before its time\""));
  r.actions.clear();
  r.action(1, "kill", 10, 10, false, "replica:1: nothing runs");
  c = judge(form, r);
  CHECK_FALSE(c.passed);
  CHECK_THAT(c.explanation, Contains("failed at t=10.000 s: \"replica:1: nothing runs\""));
  // A pause whose resume never came did not end within the run.
  r.actions.clear();
  r.action(1, "pause", 10, 10);
  r.action(1, "resume", 12, -1, false, "interrupted");
  c = judge(form, r);
  CHECK_FALSE(c.passed);
  CHECK_THAT(c.explanation,
             Contains("did not end within the run: its resume did not fire: \"interrupted\""));
}

TEST_CASE("fault checks: a fault number the run does not have fails", "[fault]") {
  const auto form = GENERATE(std::string("recovers within 15s of fault 2"),
                             std::string("errors during fault 2 < 100%"),
                             std::string("replaced within 15s of fault 2"));
  FaultRun r = killed_at_10();
  r.action(0, "noop", 1, 1);  // not a fault
  const auto c = judge(form, r);
  CHECK_FALSE(c.passed);
  CHECK(c.observed == "no data");
  CHECK_THAT(c.explanation, Contains("the run has no fault 2 (it has 1)"));
  // With the fault there, the same check is judged.
  r.action(2, "kill", 20, 20);
  CHECK_THAT(judge(form, r).explanation, !Contains("has no fault"));
}

// ---- errors during fault N ----

TEST_CASE("errors during a kill: the second it fired in and the next, counted exactly", "[fault]") {
  FaultRun r;
  r.step(0, 20);
  r.calm(0, 9, 100);
  r.at(9, 100, 50, 100);   // before: not counted
  r.at(10, 100, 10, 100);  // fired at 10.3 s
  r.at(11, 100, 20, 100);  // the next second: cut requests fail up to 1 s later
  r.at(12, 100, 40, 100);  // after: not counted
  r.calm(13, 20, 100);
  r.action(1, "kill", 10.3, 10.3);
  const auto c = judge("errors during fault 1 < 16%", r);
  CHECK(c.passed);
  CHECK(c.observed == "15%");  // 30 of 200
  CHECK(c.limit == "< 16% during fault 1");
  CHECK_THAT(c.explanation, Contains("seconds 10..11, the second the fault fired in and the next"));
  CHECK_THAT(c.explanation, Contains("30 of 200 arrivals got no good answer"));
  CHECK(judge("errors during fault 1 <= 15%", r).passed);
  CHECK(judge("errors during fault 1 == 0.15", r).passed);
  CHECK(judge("errors during fault 1 within [10%, 20%]", r).passed);
  const auto fail = judge("errors during fault 1 < 15%", r);
  CHECK_FALSE(fail.passed);
  CHECK(fail.observed == "15%");
  CHECK_THAT(fail.explanation, Contains("failed."));
}

TEST_CASE("errors during a pause: from the second it started in to the one it ended in",
          "[fault]") {
  FaultRun r;
  r.step(0, 20);
  r.calm(0, 5, 100);
  for (std::int64_t s = 5; s < 9; ++s) r.at(s, 50, 5, 100);  // 20 of 200 in seconds 5..8
  r.at(9, 100, 100, 100);
  r.action(1, "pause", 5.5, 5.5);
  r.action(1, "resume", 8.2, 8.2);
  const auto c = judge("errors during fault 1 < 50%", r);
  CHECK(c.passed);
  CHECK(c.observed == "10%");
  CHECK_THAT(c.explanation, Contains("seconds 5..8, from the second the fault started in"));
  CHECK_THAT(c.explanation, Contains("pause db, from t=5.500 s to t=8.200 s"));
}

TEST_CASE("errors during a fault with nothing scheduled is no data", "[fault]") {
  FaultRun r;
  r.step(0, 20);
  r.calm(0, 10, 100);
  r.at(10, 0, 0, 0);
  r.at(11, 0, 0, 0);
  r.action(1, "kill", 10, 10);
  const auto c = judge("errors during fault 1 < 5%", r);
  CHECK_FALSE(c.passed);
  CHECK(c.observed == "no data");
  CHECK_THAT(c.explanation, Contains("no arrival was scheduled in those seconds"));
}

// ---- replaced within T of fault N ----

namespace {

// 2 replicas, both UP, until replica 1 is killed at 10.2 s; `tail`: (healthy, replicas) from
// second 10 on.
FaultRun replica_run(const std::vector<std::pair<std::int32_t, std::int32_t>>& tail) {
  FaultRun r;
  r.step(0, 40);
  for (std::int64_t s = 0; s < 10; ++s) {
    auto& p = r.at(s, 100, 0, 100);
    p.healthy = p.replicas = 2;
  }
  for (std::size_t i = 0; i < tail.size(); ++i) {
    auto& p = r.at(10 + static_cast<std::int64_t>(i), 100, 0, 100);
    p.healthy = tail[i].first;
    p.replicas = tail[i].second;
  }
  r.action(1, "kill", 10.2, 10.2);
  return r;
}

}  // namespace

TEST_CASE("replaced: a replica goes down and every replica is UP again", "[fault]") {
  // Down at 10, out of the balancer at 12, a new one in at 13 but not UP until 14.
  const auto r = replica_run({{1, 2}, {1, 2}, {1, 1}, {2, 3}, {3, 3}, {3, 3}});
  const auto c = judge("replaced within 5s of fault 1", r);
  CHECK(c.passed);
  CHECK(c.observed == "3.8s after the start");
  CHECK_THAT(c.explanation, Contains("healthy >= 2 (second 9, the last reading before the "
                                     "fault) and healthy == replicas"));
  CHECK_THAT(c.explanation, Contains("healthy fell to 1 from second 10"));
  CHECK_THAT(c.explanation, Contains("every replica UP again at second 14 (3 of 3)"));
  const auto fail = judge("replaced within 3s of fault 1", r);
  CHECK_FALSE(fail.passed);
  CHECK(fail.observed == "3.8s after the start");
}

TEST_CASE("replaced: a dip that never comes back fails as not replaced", "[fault]") {
  const auto r = replica_run({{1, 2}, {1, 1}, {1, 1}, {1, 1}});
  const auto c = judge("replaced within 30s of fault 1", r);
  CHECK_FALSE(c.passed);
  CHECK(c.observed == "not replaced");
  CHECK_THAT(c.explanation, Contains("not back to 2 healthy with every replica UP by the run's "
                                     "end (second 13)"));
}

TEST_CASE("replaced: no dip and no recovery event cannot tell, and fails", "[fault]") {
  auto r = replica_run({{2, 2}, {2, 2}, {2, 2}});
  const auto c = judge("replaced within 30s of fault 1", r);
  CHECK_FALSE(c.passed);
  CHECK_THAT(c.explanation, Contains("no replica was seen down or replaced after fault 1: the "
                                     "check cannot tell a replacement happened"));
  // A recovery before the fault is not one of its replacements.
  lg::StackEvent early;
  early.type = "recovery";
  early.t_s = 5;
  r.stack.events.push_back(early);
  lg::StackEvent scale;
  scale.type = "scale_up";
  scale.t_s = 11;
  r.stack.events.push_back(scale);
  CHECK_THAT(judge("replaced within 30s of fault 1", r).explanation,
             Contains("cannot tell a replacement happened"));
  // The autoscaler's recovery, seen between two readings that both show 2 of 2, is one.
  lg::StackEvent rec;
  rec.type = "recovery";
  rec.t_s = 11.5;
  r.stack.events.push_back(rec);
  const auto seen = judge("replaced within 30s of fault 1", r);
  CHECK(seen.passed);
  CHECK(seen.observed == "0.8s after the start");  // second 11, the one the event fell in
  CHECK_THAT(seen.explanation, Contains("the autoscaler logged a recovery at t=11.5 s"));
}

TEST_CASE("replaced: no health reading before the fault fails", "[fault]") {
  auto r = replica_run({{1, 2}, {2, 2}});
  for (auto& p : r.timeline)
    if (p.second < 10) p.healthy = -1;
  const auto c = judge("replaced within 30s of fault 1", r);
  CHECK_FALSE(c.passed);
  CHECK_THAT(c.explanation, Contains("no second before the fault has a reading"));
}
