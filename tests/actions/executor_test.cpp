// The action executor the app hands the engine (loadgen/actions/executor.h): "noop" succeeds
// with "done"; a kind it does not run fails, naming the kind (the loader refuses such a kind
// first; this is the executor's own guard).
#include "loadgen/actions/executor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "scenarios/scenario_keys.h"
#include "tests/support/group_child.h"
#include "tests/support/wait_until.h"

using Catch::Matchers::Contains;

TEST_CASE("executor: noop succeeds with \"done\"", "[actions]") {
  const auto out = lg::actions::Executor().run({1'000'000'000, "noop", "r2", 0});
  CHECK(out.ok);
  CHECK(out.text == "done");
}

TEST_CASE("executor: an unknown kind fails and names it", "[actions]") {
  const auto out = lg::actions::Executor().run({0, "explode", "r1", 0});
  CHECK_FALSE(out.ok);
  CHECK_THAT(out.text, Contains("unknown action kind 'explode'"));
  CHECK_THAT(out.text, Contains("noop"));
}

TEST_CASE("executor: the kinds a scenario may name are the kinds it runs", "[actions]") {
  // The loader's list (and through schema_test.cpp the schema's) against the executor's table.
  // "actions" kinds, "faults" kinds, and "resume" (which the loader makes from a pause).
  const auto* actions = lg::scenarios::find_key("/actions/*/kind");
  const auto* faults = lg::scenarios::find_key("/faults/*/kind");
  REQUIRE(actions != nullptr);
  REQUIRE(faults != nullptr);
  std::set<std::string> named(actions->values.begin(), actions->values.end());
  named.insert(faults->values.begin(), faults->values.end());
  named.insert("resume");
  const auto runs = lg::actions::action_kinds();
  CHECK(named == std::set<std::string>(runs.begin(), runs.end()));
  CHECK(runs.size() == named.size());  // no kind twice
}

namespace {

lg::TimedAction fault(const char* kind, const char* target, std::uint32_t number) {
  return {0, kind, target, number};
}

}  // namespace

TEST_CASE("executor: a pause and its resume act on the same groups, named in the outcome",
          "[actions]") {
  lg::test::GroupChild child;
  int resolved = 0;
  lg::actions::Executor ex(
      [&](std::string_view target) -> std::expected<std::vector<int>, std::string> {
        ++resolved;
        if (target == "replica:any") return std::vector<int>{child.pid()};
        return std::unexpected(std::string("replica 9 is not running (running: 1)"));
      });
  const auto paused = ex.run(fault("pause", "replica:any", 2));
  CHECK(paused.ok);
  CHECK(paused.text == "replica:any: paused process group " + std::to_string(child.pid()));
  CHECK(lg::test::wait_until([&] { return child.state() == 'T'; }));
  CHECK(ex.paused() == std::vector<int>{child.pid()});
  // The resume does not ask the resolver again: it continues what fault 2 paused.
  const auto resumed = ex.run(fault("resume", "replica:any", 2));
  CHECK(resumed.ok);
  CHECK(resolved == 1);
  CHECK(lg::test::wait_until([&] { return child.state() == 'S'; }));
  CHECK_FALSE(ex.run(fault("resume", "replica:any", 2)).ok);  // nothing left to resume

  const auto missing = ex.run(fault("kill", "replica:9", 3));
  CHECK_FALSE(missing.ok);
  CHECK(missing.text == "replica:9: replica 9 is not running (running: 1)");
}

TEST_CASE("executor: a kill ends the target's group; without a stack faults fail", "[actions]") {
  lg::test::GroupChild child;
  lg::actions::Executor ex([&](std::string_view) -> std::expected<std::vector<int>, std::string> {
    return std::vector<int>{child.pid()};
  });
  CHECK(ex.run(fault("kill", "db", 1)).ok);
  const int status = child.reap();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  const auto none = lg::actions::Executor().run(fault("kill", "db", 1));
  CHECK_FALSE(none.ok);
  CHECK(none.text == "db: no stack runs here, so nothing to kill");
}

TEST_CASE("executor: what a run left paused is continued when the executor ends", "[actions]") {
  lg::test::GroupChild child;
  {
    lg::actions::Executor ex([&](std::string_view) -> std::expected<std::vector<int>, std::string> {
      return std::vector<int>{child.pid()};
    });
    REQUIRE(ex.run(fault("pause", "db", 1)).ok);
    REQUIRE(lg::test::wait_until([&] { return child.state() == 'T'; }));
  }
  CHECK(lg::test::wait_until([&] { return child.state() == 'S'; }));
}
