// The reaper (stack/reaper.h) with shell scripts standing in for the services: a "loadgen"
// forked from the test starts a reaper and two groups whose masters die with it (as
// PR_SET_PDEATHSIG does to nginx's) while their workers live on, then is SIGKILLed. Also:
// dismissal, the reaper's descriptors and session, kill_recorded's all-at-once stop, a
// missing binary. No real daemons; waiting is bounded polling, never a fixed sleep.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "stack/boost_process_runner.h"
#include "stack/proc_stat.h"
#include "stack/reaper.h"
#include "stack/run_dir.h"
#include "stack/services_util.h"
#include "tests/stack/fake_run.h"
#include "tests/support/files.h"
#include "tests/support/shell_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace fs = std::filesystem;
using lg::stack::BoostProcessRunner;
using lg::stack::Reaper;
using lg::stack::StopOutcome;
using namespace lg::test;  // the shared helpers: tests/support, tests/stack/fake_run.h
using namespace std::chrono_literals;

namespace {

// Waits for <dir>/<name>.worker (master_with_worker) and returns the worker's pid, or -1.
int worker_pid(const fs::path& dir, const std::string& name) {
  const fs::path file = dir / (name + ".worker");
  std::string text;
  if (!wait_until([&] { return !(text = lg::test::read_file(file)).empty(); })) return -1;
  return std::stoi(text);
}

// What the forked "loadgen" reports: its run dir, its reaper's pid, and the two groups.
struct FakeLoadgen {
  pid_t pid = -1;
  fs::path dir;
  int reaper = -1;
  int web = -1;         // recorded in `pids`
  int replica = -1;     // recorded in `pids.autoscaler`
  int web_worker = -1;  // members of those groups that outlive their masters
  int replica_worker = -1;
};

// Forks a process that plays loadgen: a run under `root`, a reaper unless `detach`, two
// groups (their masters die with it), dismissal of the reaper if `detach` (as
// EmbeddedStack::detach does). It reports on a pipe and then waits to be killed.
[[noreturn]] void be_fake_loadgen(const fs::path& root, bool detach, int report_fd) {
  const auto dir = lg::test::make_fake_run(root);
  if (dir.empty()) ::_exit(10);
  auto reaper = Reaper::start(dir);
  if (!reaper) {
    std::fprintf(stderr, "%s\n", reaper.error().c_str());
    ::_exit(11);
  }
  BoostProcessRunner runner;
  const auto web = runner.spawn(shell_spec(dir, "web", master_with_worker("web"), !detach));
  const auto replica =
      runner.spawn(shell_spec(dir, "replica", master_with_worker("replica"), !detach));
  if (!web || !replica) ::_exit(12);
  std::vector<lg::stack::RecordedProcess> own(1);
  own[0].name = "web";
  own[0].pid = *web;
  own[0].start_ticks = start_ticks_of(*web);
  std::vector<lg::stack::RecordedProcess> helper(1);
  helper[0].name = "replica";
  helper[0].pid = *replica;
  helper[0].start_ticks = start_ticks_of(*replica);
  if (!lg::stack::write_pids(dir, own) || !lg::stack::write_pids(dir, helper, ".autoscaler")) {
    ::_exit(13);
  }
  const int web_worker = worker_pid(dir, "web");
  const int replica_worker = worker_pid(dir, "replica");
  const int reaper_pid = (*reaper)->pid();
  if (detach) (*reaper)->dismiss();
  std::ostringstream out;
  out << dir.string() << '\n'
      << reaper_pid << ' ' << *web << ' ' << *replica << ' ' << web_worker << ' ' << replica_worker
      << '\n';
  const std::string text = out.str();
  if (::write(report_fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ::_exit(14);
  }
  while (true) ::pause();  // until SIGKILL
}

FakeLoadgen fork_fake_loadgen(const fs::path& root, bool detach) {
  int report[2];
  REQUIRE(::pipe(report) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // the fake loadgen: no Catch2 there, only _exit
    ::close(report[0]);
    be_fake_loadgen(root, detach, report[1]);
  }
  ::close(report[1]);
  std::string text;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::ranges::count(text, '\n') < 2 && std::chrono::steady_clock::now() < until) {
    pollfd p{report[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const auto n = ::read(report[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(report[0]);
  std::istringstream in(text);
  std::string dir;
  std::getline(in, dir);
  int ids[5] = {-1, -1, -1, -1, -1};
  for (int& id : ids) in >> id;
  return FakeLoadgen{pid, fs::path(dir), ids[0], ids[1], ids[2], ids[3], ids[4]};
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

TEST_CASE("reaper: after SIGKILL of loadgen every recorded group is gone within 3 s", "[reaper]") {
  TempDir root;
  const auto f = fork_fake_loadgen(root.path() / "runs", false);
  GroupsGuard guard;  // only if the reaper fails
  guard.add(f.web);
  guard.add(f.replica);
  INFO("run dir " << f.dir);
  REQUIRE(f.replica_worker > 1);
  REQUIRE(f.web_worker > 1);
  REQUIRE(lg::stack::is_alive(f.reaper));
  const std::set<int> groups{f.web, f.replica};

  const auto killed = std::chrono::steady_clock::now();
  kill_and_reap(f.pid);
  // The masters die with loadgen, the workers would not: the reaper's job.
  CHECK(wait_until([&] { return !any_group_alive(groups); }, 3000ms));
  const auto took = std::chrono::steady_clock::now() - killed;
  CHECK(took < 3s);
  CHECK_FALSE(lg::stack::is_alive(f.web_worker));
  CHECK_FALSE(lg::stack::is_alive(f.replica_worker));
  // Then it removes the run (it is a stack run and nothing survived) and exits.
  CHECK(wait_until([&] { return !fs::exists(f.dir); }, 3000ms));
  CHECK(wait_until([&] { return !lg::stack::is_alive(f.reaper); }, 3000ms));
}

TEST_CASE("reaper: a dismissed reaper (a detached stack) touches nothing", "[reaper]") {
  TempDir root;
  const auto f = fork_fake_loadgen(root.path() / "runs", true);
  GroupsGuard guard;
  guard.add(f.web);
  guard.add(f.replica);
  REQUIRE(f.web > 1);
  REQUIRE(f.replica > 1);
  // Dismissed before the report was written: it has exited (its parent reaped it) or is a
  // zombie waiting for that parent.
  CHECK(wait_until([&] { return !lg::stack::is_alive(f.reaper); }, 3000ms));
  kill_and_reap(f.pid);
  // The masters were started without PR_SET_PDEATHSIG (detached): all of both groups lives on.
  CHECK(lg::stack::is_alive(f.web));
  CHECK(lg::stack::is_alive(f.replica));
  CHECK(lg::stack::is_alive(f.web_worker));
  CHECK(lg::stack::is_alive(f.replica_worker));
  CHECK(fs::exists(f.dir / "pids"));
  // `loadgen stack down` does what the reaper did not.
  auto stopped = lg::stack::stop_recorded(f.dir, 2000ms);
  REQUIRE(stopped);
  CHECK(stopped->size() == 2);
  CHECK_FALSE(any_group_alive({f.web, f.replica}));
}

TEST_CASE("reaper: its own session, only descriptors 0-2, gone once dismissed", "[reaper]") {
  TempDir root;
  const auto dir = lg::test::make_fake_run(root.path() / "runs");
  REQUIRE_FALSE(dir.empty());
  // A descriptor without close-on-exec, as loadgen may have (std::ofstream opens them so).
  const int leaky = ::open("/dev/null", O_RDONLY);
  REQUIRE(leaky > 2);
  auto reaper = Reaper::start(dir);
  ::close(leaky);
  INFO((reaper ? std::string() : reaper.error()));
  REQUIRE(reaper);
  const int pid = (*reaper)->pid();
  const auto stat = lg::stack::read_proc_stat(pid);
  REQUIRE(stat);
  CHECK(stat->ppid == ::getpid());
  CHECK(stat->pgrp == pid);  // setsid: its own session and group, away from loadgen's
  CHECK(stat->pgrp != ::getpgrp());
  std::set<std::string> fds;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    fds.insert(e.path().filename().string());
  }
  CHECK(fds == std::set<std::string>{"0", "1", "2"});
  (*reaper)->dismiss();
  CHECK_FALSE(lg::stack::read_proc_stat(pid));  // exited and reaped
  CHECK(fs::exists(dir));                       // dismissed: nothing removed
}

TEST_CASE("reaper: a missing binary is an error that says what to do", "[reaper]") {
  TempDir root;
  auto reaper = Reaper::start(root.path(), root.path() / "no-such-reaper");
  REQUIRE_FALSE(reaper);
  CHECK_THAT(reaper.error(), Catch::Contains("cannot start the reaper"));
  CHECK_THAT(reaper.error(), Catch::Contains("LG_REAPER"));
}

TEST_CASE("reaper: a run killed before its stack.info is stopped but left for the cleaner",
          "[reaper]") {
  TempDir root;
  auto dir = lg::stack::create_run_dir(root.path() / "runs");
  REQUIRE(dir);
  BoostProcessRunner runner;
  auto web = runner.spawn(shell_spec(*dir, "web", master_with_worker("web"), true));
  REQUIRE(web);
  GroupsGuard guard;
  guard.add(*web);
  REQUIRE(worker_pid(*dir, "web") > 1);
  REQUIRE(lg::stack::write_pids(*dir, {{"web", *web, start_ticks_of(*web), SIGQUIT}}));
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  ::close(pair[0]);  // "loadgen" is gone
  std::FILE* log = std::tmpfile();
  REQUIRE(log != nullptr);
  CHECK(lg::stack::run_reaper(pair[1], *dir, 200ms, log) == 0);
  ::close(pair[1]);
  CHECK(lg::stack::live_group_members(*web).empty());
  CHECK(fs::exists(*dir));  // no stack.info: not provably a stack run, the stale cleaner's
  std::rewind(log);
  char line[1024] = {};
  CHECK(std::fgets(line, sizeof line, log) != nullptr);
  std::fclose(log);
  CHECK_THAT(line, Catch::Contains("stopped web (pid " + std::to_string(*web) + ")"));
  CHECK_THAT(line, Catch::Contains("left it for the next start"));
}

TEST_CASE("kill_recorded stops every group at once, SIGKILL after the grace", "[reaper]") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "log");
  BoostProcessRunner runner;
  // Three groups that ignore SIGTERM: one after the other they would need 3 x grace.
  std::vector<int> pids;
  GroupsGuard guard;
  for (const char* name : {"a", "b", "c"}) {
    auto pid = runner.spawn(shell_spec(
        tmp.path(), name,
        std::string("trap '' TERM; echo > ") + name + ".ready; while :; do sleep 1; done", true));
    REQUIRE(pid);
    guard.add(*pid);
    pids.push_back(*pid);
  }
  for (const char* name : {"a", "b", "c"}) {
    REQUIRE(wait_until([&] { return fs::exists(tmp.path() / (std::string(name) + ".ready")); }));
  }
  REQUIRE(lg::stack::write_pids(tmp.path(), {{"a", pids[0], start_ticks_of(pids[0]), SIGTERM},
                                             {"b", pids[1], start_ticks_of(pids[1]), SIGTERM}}));
  REQUIRE(lg::stack::write_pids(tmp.path(), {{"c", pids[2], start_ticks_of(pids[2]), SIGTERM}},
                                ".autoscaler"));
  const auto started = std::chrono::steady_clock::now();
  // A 1 s grace: one each would take 3 s, one for all about 1 s; the gap between them leaves
  // room for a loaded machine (CI runs this beside the stack tests).
  auto out = lg::stack::kill_recorded(tmp.path(), 1000ms);
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(out);
  REQUIRE(out->size() == 3);
  for (const auto& o : *out) {
    INFO(o.process.name);
    CHECK(o.how == StopOutcome::How::kKilled);
  }
  CHECK(took < 2500ms);  // one grace for all, not one each (3 s)
  for (const int pid : pids) CHECK(runner.wait_exit(pid, 1000ms));
  // Nothing alive: a second pass finds every group gone.
  auto again = lg::stack::kill_recorded(tmp.path(), 300ms);
  REQUIRE(again);
  for (const auto& o : *again) CHECK(o.how == StopOutcome::How::kGone);
}

TEST_CASE("run_to_exit records a bring-up tool in pids.tool while it runs", "[reaper]") {
  TempDir tmp;
  const auto out = tmp.path() / "out.txt";
  // The tool prints its own pid and what the run records about it. The record is written just
  // after the spawn, so the tool first waits (a bounded busy loop) until it is there.
  const auto record = (tmp.path() / "pids.tool").string();
  auto rc =
      lg::stack::detail::run_to_exit({"/bin/sh", "-c",
                                      "i=0; while [ ! -s " + record +
                                          " ] && [ $i -lt 1000000 ]; do i=$((i+1)); done; echo $$; "
                                          "cat " +
                                          record},
                                     out, 10s, tmp.path());
  REQUIRE(rc);
  CHECK(*rc == 0);
  std::istringstream said(lg::test::read_file(out));
  int pid = -1;
  std::string recorded_pid;
  said >> pid >> recorded_pid;
  CHECK(recorded_pid == std::to_string(pid));
  CHECK_THAT(said.str(), Catch::EndsWith(" 15 sh\n"));  // SIGTERM, named after argv[0]
  auto after = lg::stack::read_pids(tmp.path());
  REQUIRE(after);
  CHECK(after->empty());  // forgotten once it exited
}
