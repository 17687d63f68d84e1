// The action executor the app hands the engine (loadgen/actions/executor.h): "noop" succeeds
// with "done"; a kind it does not run fails, naming the kind (the loader refuses such a kind
// first; this is the executor's own guard).
#include "loadgen/actions/executor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scenarios/scenario_keys.h"
#include "tests/support/files.h"
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
  named.insert("clear");  // made from a network or cpu fault's duration
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

namespace {

lg::TimedAction network(const char* kind, const char* target, std::uint32_t number,
                        const char* params) {
  return {0, kind, target, number, params};
}

// The fault proxy's side as the executor sees it: routes by target, and every control line.
struct FakeProxy {
  std::map<std::string, std::uint16_t> routes{{"replica:1", 18075}, {"replica:any", 18076}};
  std::vector<std::string> lines;
  std::string refuse;  // a control line starting with this gets an error answer

  lg::actions::FaultProxyHooks hooks() {
    lg::actions::FaultProxyHooks h;
    h.route = [this](std::string_view t) -> std::expected<std::uint16_t, std::string> {
      const auto it = routes.find(std::string(t));
      if (it == routes.end()) return std::unexpected(std::string("no replica is running"));
      return it->second;
    };
    h.control = [this](std::string_view line) -> std::expected<std::string, std::string> {
      lines.emplace_back(line);
      if (!refuse.empty() && line.starts_with(refuse))
        return std::unexpected(std::string("error: refused"));
      return std::string("ok");
    };
    return h;
  }
};

bool process_exists(int pid) {
  return ::kill(pid, 0) == 0;
}

std::string comm_of(int pid) {
  return lg::test::read_file("/proc/" + std::to_string(pid) + "/comm");
}

// "... (process group 1234)" -> 1234.
int group_in(const std::string& text) {
  const auto at = text.find("process group ");
  REQUIRE(at != std::string::npos);
  return std::stoi(text.substr(at + 14));
}

}  // namespace

TEST_CASE("executor: a network fault switches its route's toxics and its clear switches them off",
          "[actions]") {
  FakeProxy proxy;
  lg::actions::Executor ex({}, proxy.hooks());
  const auto on = ex.run(network("latency", "replica:1", 3, "down.latency_ms=200"));
  CHECK(on.ok);
  CHECK(on.text == "replica:1: latency down.latency_ms=200 on the proxy route 18075");
  // The clear goes to the route the fault switched, even if the target now resolves elsewhere.
  proxy.routes["replica:1"] = 18099;
  const auto off = ex.run(network("clear", "replica:1", 3, ""));
  CHECK(off.ok);
  CHECK(proxy.lines ==
        std::vector<std::string>{"set 18075 down.latency_ms=200", "set 18075 clear"});
  CHECK_FALSE(ex.run(network("clear", "replica:1", 3, "")).ok);  // nothing left to clear

  // A target with nothing behind it, and a proxy that refuses, are failed faults saying why.
  const auto gone = ex.run(network("hang", "replica:7", 4, "hang=1"));
  CHECK_FALSE(gone.ok);
  CHECK(gone.text == "replica:7: no replica is running");
  proxy.refuse = "set 18076";
  const auto refused = ex.run(network("reset", "replica:any", 5, "reset=1"));
  CHECK_FALSE(refused.ok);
  CHECK(refused.text == "replica:any: error: refused");

  const auto none = lg::actions::Executor().run(network("latency", "replica:1", 1, "x"));
  CHECK_FALSE(none.ok);
  CHECK(none.text == "replica:1: no fault proxy runs here, so no latency");
}

TEST_CASE("executor: a cpu fault runs stress-ng in its own group until its clear", "[actions]") {
  REQUIRE_FALSE(lg::actions::stress_ng_binary().empty());  // ci/install-deps.sh installs it
  lg::actions::Executor ex;
  const auto on = ex.run(network("cpu", "host", 2, "cores=1 seconds=30"));
  REQUIRE(on.ok);
  CHECK(on.text.starts_with("stress-ng burning 1 core (process group "));
  const int pgid = group_in(on.text);
  CHECK(lg::test::wait_until([&] { return comm_of(pgid).starts_with("stress-ng"); }));
  CHECK(::getpgid(pgid) == pgid);  // a group of its own, so the clear reaches its workers
  const auto off = ex.run(network("clear", "host", 2, ""));
  CHECK(off.ok);
  CHECK(off.text == "stopped stress-ng (process group " + std::to_string(pgid) + ")");
  CHECK_FALSE(process_exists(pgid));  // killed and reaped
  CHECK_FALSE(ex.run(network("clear", "host", 2, "")).ok);
}

TEST_CASE("executor: a cpu burn still running when the executor ends is stopped", "[actions]") {
  int pgid = 0;
  {
    lg::actions::Executor ex;
    const auto on = ex.run(network("cpu", "host", 1, "cores=1 seconds=30"));
    REQUIRE(on.ok);
    pgid = group_in(on.text);
    REQUIRE(process_exists(pgid));
  }
  CHECK_FALSE(process_exists(pgid));
  // No group is left either: its workers went with it.
  CHECK(lg::test::wait_until([&] { return ::kill(-pgid, 0) != 0; }));
}

TEST_CASE("executor: without stress-ng a cpu fault fails naming the package", "[actions]") {
  ::setenv("LG_STRESS_NG", "/nonexistent/stress-ng", 1);
  lg::actions::Executor ex;
  const auto on = ex.run(network("cpu", "host", 1, "cores=1 seconds=5"));
  ::unsetenv("LG_STRESS_NG");
  CHECK_FALSE(on.ok);
  CHECK(on.text.find("apt-get install stress-ng") != std::string::npos);
}
