// Timed actions (engine/action_runner.h) through the real coordinator: each fires when the
// run's clock reaches its `at` and is recorded with its actual time and the executor's outcome;
// one past the plan's end or cut by an interrupt is recorded as not fired; a kind the executor
// refuses, an executor that throws or none at all give ok = false; and a slow action does not
// hold up the per-second bookkeeping. Executors here are the tests' own: the engine knows none.
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "loadgen/engine/coordinator.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/test_server.h"

using Catch::Matchers::Contains;
using lg::test::kMs;
using lg::test::open_plan;
using lg::test::TestServer;

namespace {

// "noop" succeeds; any other kind is refused, naming it (what an executor must do).
lg::ActionOutcome test_executor(const lg::TimedAction& a) {
  if (a.kind == "noop") return {true, "done"};
  return {false, "unknown action kind '" + a.kind + "'"};
}

lg::RunResult run_with(const lg::RunPlan& plan, lg::engine::RunHooks hooks) {
  hooks.handle_signals = false;
  auto r = lg::engine::run(plan, hooks);
  REQUIRE(r.has_value());
  return *r;
}

lg::RunResult run_with(const lg::RunPlan& plan,
                       std::function<lg::ActionOutcome(const lg::TimedAction&)> executor) {
  lg::engine::RunHooks hooks;
  hooks.run_action = std::move(executor);
  return run_with(plan, hooks);
}

// How late an action may fire on a busy 2-core CI machine (sanitizers included); an on-time
// action is typically well under 1 ms late.
constexpr std::int64_t kLateBoundNs = 100 * kMs;

}  // namespace

TEST_CASE("actions: a noop fires at its time and is recorded", "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 400 * kMs);
  plan.actions = {{150 * kMs, "noop", "r1"}};
  std::vector<std::int64_t> called;  // only the action thread writes, before run() returns
  const auto r = run_with(plan, [&](const lg::TimedAction& a) {
    called.push_back(a.at_ns);
    return test_executor(a);
  });
  REQUIRE(r.actions.size() == 1);
  const auto& e = r.actions[0];
  CHECK(e.kind == "noop");
  CHECK(e.target == "r1");
  CHECK(e.at_ns == 150 * kMs);
  CHECK(e.fired_ns >= e.at_ns);  // never early
  CHECK(e.fired_ns < e.at_ns + kLateBoundNs);
  CHECK(e.ok);
  CHECK(e.outcome == "done");
  CHECK(called == std::vector<std::int64_t>{150 * kMs});
  CHECK(r.total.counters.completed == 20);  // the load itself is untouched
  CHECK(r.generator.clean_shutdown);
}

TEST_CASE("actions: they fire in order of their time, ties in the plan's order",
          "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 300 * kMs);
  plan.actions = {
      {200 * kMs, "noop", "c", 0}, {50 * kMs, "noop", "a", 2}, {50 * kMs, "noop", "b", 1}};
  std::vector<std::string> called;
  const auto r = run_with(plan, [&](const lg::TimedAction& a) {
    called.push_back(a.target);
    return test_executor(a);
  });
  CHECK(called == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(r.actions.size() == 3);
  CHECK(r.actions[0].target == "a");
  CHECK(r.actions[1].target == "b");
  CHECK(r.actions[2].target == "c");
  // Each record keeps its fault number through the sort (SLOs find a fault's actions by it).
  CHECK(r.actions[0].fault == 2);
  CHECK(r.actions[1].fault == 1);
  CHECK(r.actions[2].fault == 0);
  CHECK(r.actions[1].fired_ns >= r.actions[0].fired_ns);
  CHECK(r.actions[2].fired_ns >= 200 * kMs);
  for (const auto& e : r.actions) CHECK(e.ok);
}

TEST_CASE("actions: one planned past the end is recorded as not fired", "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 200 * kMs);
  plan.actions = {{100 * kMs, "noop", ""}, {60'000 * kMs, "noop", "late"}};
  int calls = 0;
  const auto r = run_with(plan, [&](const lg::TimedAction& a) {
    ++calls;
    return test_executor(a);
  });
  REQUIRE(r.actions.size() == 2);
  CHECK(r.actions[0].ok);
  const auto& late = r.actions[1];
  CHECK(late.target == "late");
  CHECK(late.at_ns == 60'000 * kMs);
  CHECK(late.fired_ns == -1);
  CHECK_FALSE(late.ok);
  CHECK(late.outcome == "run ended first");
  CHECK(calls == 1);
  CHECK(r.generator.elapsed_ns < 10'000 * kMs);  // the run did not wait for it
}

TEST_CASE("actions: a kind the executor does not know is recorded ok = false",
          "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 200 * kMs);
  plan.actions = {{20 * kMs, "explode", "r3"}, {40 * kMs, "noop", ""}};
  const auto r = run_with(plan, test_executor);
  REQUIRE(r.actions.size() == 2);
  const auto& e = r.actions[0];
  CHECK(e.kind == "explode");
  CHECK(e.fired_ns >= 20 * kMs);  // it was fired: the executor refused it
  CHECK_FALSE(e.ok);
  CHECK_THAT(e.outcome, Contains("unknown action kind 'explode'"));
  CHECK(r.actions[1].ok);  // and the next one still ran
}

TEST_CASE("actions: an executor that throws, or none, fails the action", "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 200 * kMs);
  plan.actions = {{20 * kMs, "noop", ""}};
  SECTION("throws") {
    const auto r = run_with(plan, [](const lg::TimedAction&) -> lg::ActionOutcome {
      throw std::runtime_error("replica r9 does not exist");
    });
    REQUIRE(r.actions.size() == 1);
    CHECK_FALSE(r.actions[0].ok);
    CHECK(r.actions[0].outcome == "failed: replica r9 does not exist");
    CHECK(r.actions[0].fired_ns >= 20 * kMs);
  }
  SECTION("no executor") {
    const auto r = run_with(plan, lg::engine::RunHooks{});
    REQUIRE(r.actions.size() == 1);
    CHECK_FALSE(r.actions[0].ok);
    CHECK_THAT(r.actions[0].outcome, Contains("no action executor"));
  }
}

TEST_CASE("actions: an interrupt records the ones still to come as not fired",
          "[engine][actions]") {
  TestServer server;
  auto plan = open_plan(server, "/", 50, 30'000 * kMs);
  plan.actions = {{50 * kMs, "noop", "before"}, {20'000 * kMs, "noop", "after"}};
  std::atomic<bool> stop{false};
  lg::engine::RunHooks hooks;
  hooks.run_action = test_executor;
  hooks.stop_flag = &stop;
  hooks.on_second = [&stop](const lg::TimelinePoint& t) {
    if (t.second == 0) stop = true;  // checked at the next drain: the run stops at ~1-2 s
  };
  const auto r = run_with(plan, hooks);
  CHECK(r.interrupted);
  REQUIRE(r.actions.size() == 2);
  CHECK(r.actions[0].ok);
  CHECK(r.actions[0].fired_ns >= 50 * kMs);
  CHECK(r.actions[1].target == "after");
  CHECK(r.actions[1].fired_ns == -1);
  CHECK_FALSE(r.actions[1].ok);
  CHECK(r.actions[1].outcome == "run interrupted first");
}

TEST_CASE("actions: a slow action does not hold up the per-second bookkeeping",
          "[engine][actions]") {
  // The action waits for the coordinator to complete second 0 (t ~ 1 s). If actions ran on the
  // coordinator's loop, that second could not complete while it waited, and it would give up.
  TestServer server;
  auto plan = open_plan(server, "/", 50, 1'500 * kMs);
  plan.actions = {{10 * kMs, "noop", ""}};
  std::promise<void> second0;
  auto seen = second0.get_future();
  lg::engine::RunHooks hooks;
  hooks.on_second = [&second0](const lg::TimelinePoint& t) {
    if (t.second == 0) second0.set_value();
  };
  hooks.run_action = [&seen](const lg::TimedAction&) -> lg::ActionOutcome {
    if (seen.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      return {false, "second 0 never completed while the action ran"};
    }
    return {true, "saw second 0"};
  };
  const auto r = run_with(plan, hooks);
  REQUIRE(r.actions.size() == 1);
  CHECK(r.actions[0].outcome == "saw second 0");
  CHECK(r.actions[0].ok);
  CHECK(r.actions[0].fired_ns < 10 * kMs + kLateBoundNs);
  CHECK(r.total.counters.completed == 75);
}
