// "The stack is owned, and only it", on the real daemons: a loadgen killed with SIGKILL in the
// middle of a run leaves no process and no listener of its stack 3 s later (the reaper), with
// and without the autoscaler; a detached stack (`loadgen stack up`) has no reaper and is
// stopped by `loadgen stack down`, which `loadgen stack status` follows with its exit code.
// Tagged [stack] (ctest label "stack"). Waiting is bounded polling, never a fixed sleep.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <string>

#include "stack/embedded_stack.h"
#include "stack/haproxy_api.h"
#include "stack/listeners.h"
#include "stack/run_dir.h"
#include "tests/stack/fake_run.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace fs = std::filesystem;
using lg::test::any_group_alive;
using lg::test::GroupsGuard;
using lg::test::TempDir;
using lg::test::wait_until;
using namespace std::chrono_literals;

namespace {

// SIGKILLs and reaps a child at scope exit unless it was reaped already.
struct ChildGuard {
  pid_t pid = -1;
  ~ChildGuard() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  void reap() {
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

// Stops whatever is recorded in a run and removes it at scope exit (a failed test must not
// leave a stack running).
struct RunGuard {
  fs::path dir;
  ~RunGuard() {
    std::error_code ec;
    if (dir.empty() || !fs::exists(dir, ec)) return;
    (void)lg::stack::stop_recorded(dir, 2000ms);
    fs::remove_all(dir, ec);
  }
};

std::uint64_t backend_total(const fs::path& dir) {
  const lg::stack::HaproxyApi api(lg::stack::Layout{dir}.haproxy_socket());
  auto stats = api.show_stat(lg::stack::kBackend);
  if (!stats) return 0;
  for (const auto& row : *stats) {
    if (row.is_backend()) return row.stot;
  }
  return 0;
}

// Live members of the groups and listeners on the ports, in words, for a failure message.
std::string leftovers(const std::set<int>& groups, const std::set<std::uint16_t>& ports) {
  std::ostringstream out;
  for (const int g : groups) {
    for (const int pid : lg::stack::live_group_members(g)) {
      out << "pid " << pid << " (" << lg::stack::process_name(pid) << ") of group " << g << "; ";
    }
  }
  for (const auto& l : lg::stack::listeners_on(ports)) out << "listener on " << l.port << "; ";
  return out.str();
}

// Runs `scenario` with loadgen, waits until it serves through HAProxy with `want_groups`
// recorded groups, SIGKILLs loadgen and checks that within 3 s nothing recorded is alive and
// nothing listens on the run's ports; then that the reaper removed the run and exited.
void kill9_leaves_nothing(const std::string& scenario_json, std::size_t want_groups) {
  TempDir tmp;
  const auto scenario = tmp.path() / "long.json";
  lg::test::write_file(scenario, scenario_json);
  ChildGuard child{lg::test::spawn_loadgen(
                       LOADGEN_BINARY,
                       {scenario.string(), "--quiet", "--out", (tmp.path() / "out").string()},
                       tmp.path() / "stdout.txt", true)
                       .pid};
  RunGuard run;
  const std::string prefix = "run-" + std::to_string(child.pid) + "-";
  REQUIRE(wait_until(
      [&] {
        for (const auto& d : lg::stack::list_runs()) {
          if (d.filename().string().starts_with(prefix)) run.dir = d;
        }
        return !run.dir.empty();
      },
      60s));
  INFO("run dir " << run.dir << "\nloadgen's output:\n"
                  << lg::test::read_file(tmp.path() / "stdout.txt"));
  std::set<int> groups;
  GroupsGuard guard;  // only if the reaper fails
  REQUIRE(wait_until(
      [&] {
        auto recorded = lg::stack::read_pids(run.dir);
        if (!recorded) return false;
        groups.clear();
        for (const auto& p : *recorded) groups.insert(p.pid);
        return groups.size() == want_groups && backend_total(run.dir) >= 20;
      },
      60s));
  for (const int g : groups) guard.add(g);
  auto info = lg::stack::read_stack_info(run.dir);
  REQUIRE(info);
  const auto ports = lg::test::ports_of(*info);
  REQUIRE_FALSE(lg::stack::listeners_on(ports).empty());
  const auto reapers = lg::test::processes_naming("loadgen-reaper", run.dir);
  REQUIRE(reapers.size() == 1);

  const auto killed = std::chrono::steady_clock::now();
  ::kill(child.pid, SIGKILL);
  child.reap();
  const bool clean = wait_until(
      [&] { return !any_group_alive(groups) && lg::stack::listeners_on(ports).empty(); }, 3000ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  INFO("left after " << took.count() << " ms: " << leftovers(groups, ports));
  CHECK(clean);
  CHECK(wait_until([&] { return !fs::exists(run.dir); }, 5000ms));
  CHECK(wait_until([&] { return !lg::stack::is_alive(reapers[0]); }, 5000ms));
}

}  // namespace

TEST_CASE("kill -9 of loadgen during a run: nothing of its stack is left 3 s later", "[stack]") {
  // mariadb, haproxy, and nginx + php-fpm for each of the 2 replicas.
  kill9_leaves_nothing(R"({"schema_version": 1, "name": "kill9",
    "stack": {"replicas": {"min": 2, "max": 3}},
    "requests": [{"path": "/api/item?id=1"}],
    "rate_per_user": "10/s", "steps": [{"users": 5, "duration": "120s"}]})",
                       6);
}

TEST_CASE("kill -9 of loadgen with the autoscaler: its replicas are reaped too", "[stack]") {
  // mariadb, haproxy, autoscaler (pids) + nginx and php-fpm of 2 replicas (pids.autoscaler).
  kill9_leaves_nothing(R"({"schema_version": 1, "name": "kill9-autoscaler",
    "stack": {"replicas": {"min": 2, "max": 3},
              "autoscaler": {"check_interval": "1s", "cooldown": "3s"}},
    "requests": [{"path": "/api/item?id=1"}],
    "rate_per_user": "10/s", "steps": [{"users": 5, "duration": "120s"}]})",
                       7);
}

TEST_CASE("stack up has no reaper, status follows its processes, down removes the run", "[stack]") {
  TempDir tmp;
  const auto up = lg::test::run_loadgen_logged(
      LOADGEN_BINARY, {"stack", "up", "--replicas", "1", "--max-replicas", "2"},
      tmp.path() / "up.txt");
  INFO(up.second);
  REQUIRE(up.first == 0);
  RunGuard run;
  const auto at = up.second.find("run dir   ");
  REQUIRE(at != std::string::npos);
  run.dir = up.second.substr(at + 10, up.second.find('\n', at) - at - 10);
  REQUIRE(lg::stack::check_stack_run(run.dir));
  // Detached: nothing watches it to kill it, it outlives `stack up` on purpose.
  CHECK(lg::test::processes_naming("loadgen-reaper", run.dir).empty());
  const std::vector<std::string> status{"stack", "status", "--run-dir", run.dir.string()};
  auto ran = lg::test::run_loadgen_logged(LOADGEN_BINARY, status, tmp.path() / "status.txt");
  INFO(ran.second);
  CHECK(ran.first == 0);
  CHECK_THAT(ran.second, Catch::Contains("all 4 recorded processes running"));

  auto recorded = lg::stack::read_pids(run.dir);
  REQUIRE(recorded);
  std::set<int> groups;
  int nginx = -1;
  for (const auto& p : *recorded) {
    groups.insert(p.pid);
    if (p.name == "nginx-1") nginx = p.pid;
  }
  REQUIRE(nginx > 1);
  auto info = lg::stack::read_stack_info(run.dir);
  REQUIRE(info);
  const auto ports = lg::test::ports_of(*info);
  // The master only: its worker keeps the port (what a SIGKILL of the masters used to leave).
  ::kill(nginx, SIGKILL);
  REQUIRE(wait_until([&] { return !lg::stack::is_alive(nginx); }));
  ran = lg::test::run_loadgen_logged(LOADGEN_BINARY, status, tmp.path() / "status.txt");
  INFO(ran.second);
  CHECK(ran.first == 3);
  CHECK_THAT(ran.second, Catch::Contains("NOT RUNNING (1 of its group still alive"));
  CHECK_THAT(ran.second, Catch::Contains(std::to_string(info->ports.replica(1)) + "  nginx-1"));
  CHECK_THAT(ran.second, Catch::Contains("[nginx-1]"));

  ran = lg::test::run_loadgen_logged(
      LOADGEN_BINARY, {"stack", "down", "--run-dir", run.dir.string()}, tmp.path() / "down.txt");
  INFO(ran.second);
  CHECK(ran.first == 0);
  CHECK_THAT(ran.second, Catch::Contains("; removed it"));
  CHECK_FALSE(fs::exists(run.dir));
  CHECK_FALSE(any_group_alive(groups));
  CHECK(lg::stack::listeners_on(ports).empty());
}
