// BoostProcessRunner with real, short-lived processes (/bin/sh and sleep): process groups,
// reaping, logs, descriptors, signals, PR_SET_PDEATHSIG, and stopping recorded groups from
// run_dir. Every process a test starts is killed by a guard on every path; waiting is bounded
// polling on the condition itself, never a fixed sleep.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stack/boost_process_runner.h"
#include "stack/proc_stat.h"
#include "stack/run_dir.h"
#include "tests/support/files.h"
#include "tests/support/shell_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace fs = std::filesystem;
using lg::stack::BoostProcessRunner;
using lg::stack::StopOutcome;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;

namespace {

// SIGKILLs a process group at scope exit unless it is already gone. With a runner (the leader
// is its child) it also reaps the leader; without one, it signals only if the leader is still
// the process that was guarded (same start time), never a later process with a reused pid.
class GroupGuard {
 public:
  GroupGuard(BoostProcessRunner* runner, int pgid)
      : runner_(runner), pgid_(pgid), ticks_(start_ticks_of(pgid)) {}
  ~GroupGuard() {
    if (pgid_ <= 1) return;
    if (runner_ != nullptr) {
      runner_->signal_group(pgid_, SIGKILL);
      runner_->wait_exit(pgid_, 5000ms);
    } else if (ticks_ != 0 && start_ticks_of(pgid_) == ticks_) {
      ::kill(-pgid_, SIGKILL);
    }
  }
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;

 private:
  BoostProcessRunner* runner_;
  int pgid_;
  std::uint64_t ticks_;
};

// A process spawned by a runner (the test fails if it cannot be) and the guard of its group.
struct Guarded {
  int pid;
  GroupGuard guard;
};

Guarded spawn_guarded(BoostProcessRunner& runner, const lg::stack::ProcessSpec& spec) {
  auto pid = runner.spawn(spec);
  INFO((pid ? std::string() : pid.error()));
  REQUIRE(pid);
  return {*pid, GroupGuard(&runner, *pid)};
}

// The pid a script wrote to `file` ("echo $! > file"), once the line is complete.
int pid_written_to(const fs::path& file) {
  std::string text;
  REQUIRE(wait_until([&] {
    text = read_file(file);
    return text.ends_with('\n');
  }));
  return std::stoi(text);
}

// Restores the calling thread's signal mask and SIGPIPE's disposition at scope exit.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_);
    ::sigaction(SIGPIPE, nullptr, &pipe_);
  }
  ~SignalStateGuard() {
    ::sigaction(SIGPIPE, &pipe_, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &mask_, nullptr);
  }
  SignalStateGuard(const SignalStateGuard&) = delete;
  SignalStateGuard& operator=(const SignalStateGuard&) = delete;

 private:
  sigset_t mask_{};
  struct sigaction pipe_ {};
};

// "SigBlk:\t0000000000000000" -> the hex mask of that line of /proc/<pid>/status.
std::uint64_t status_mask(int pid, const std::string& key) {
  const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find(key + ":\t");
  REQUIRE(at != std::string::npos);
  return std::stoull(status.substr(at + key.size() + 2, 16), nullptr, 16);
}

// Children of this process that have exited but were never reaped.
std::vector<int> zombie_children() {
  std::vector<int> zombies;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = lg::stack::read_proc_stat(std::stoi(name));
    if (stat && stat->ppid == ::getpid() && stat->state == 'Z') zombies.push_back(std::stoi(name));
  }
  return zombies;
}

}  // namespace

TEST_CASE("a spawned process leads its own process group and is reaped", "[runner]") {
  TempDir dir;
  BoostProcessRunner runner;
  auto [pid, guard] = spawn_guarded(runner, shell_spec(dir.path(), "sleeper", "exec sleep 30"));
  CHECK(::getpgid(pid) == pid);
  CHECK(::getpgid(pid) != ::getpgrp());
  CHECK(runner.running(pid));
  CHECK_FALSE(runner.exit_status(pid));

  CHECK_FALSE(runner.wait_exit(pid, 30ms));  // sleep 30 does not exit by itself
  runner.signal_group(pid, SIGTERM);
  CHECK(runner.wait_exit(pid, 5000ms));
  CHECK_FALSE(runner.running(pid));
  CHECK_FALSE(fs::exists("/proc/" + std::to_string(pid)));  // reaped: no zombie
  const auto status = runner.exit_status(pid);
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGTERM);
  runner.signal_group(pid, SIGKILL);  // gone: a no-op
}

TEST_CASE("an exited process is not running, even before anyone waited for it", "[runner]") {
  TempDir dir;
  BoostProcessRunner runner;
  auto [pid, guard] = spawn_guarded(runner, shell_spec(dir.path(), "quick", "exit 3"));
  // running() itself reaps: a zombie would still answer kill(pid, 0).
  CHECK(wait_until([&] { return !runner.running(pid); }));
  CHECK_FALSE(fs::exists("/proc/" + std::to_string(pid)));
  const auto status = runner.exit_status(pid);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 3);
  CHECK(runner.wait_exit(pid, 0ms));
}

TEST_CASE("signal_group reaches a grandchild in the group", "[runner]") {
  TempDir dir;
  BoostProcessRunner runner;
  auto [pid, guard] =
      spawn_guarded(runner, shell_spec(dir.path(), "parent", "sleep 30 & echo $! > gc.pid; wait"));
  const int grandchild = pid_written_to(dir.path() / "gc.pid");
  CHECK(::getpgid(grandchild) == pid);
  CHECK(lg::stack::live_group_members(pid).size() == 2);

  runner.signal_group(pid, SIGKILL);
  CHECK(runner.wait_exit(pid, 5000ms));
  // The grandchild is not ours to reap: dead or a zombie both count as gone.
  CHECK(wait_until([&] { return !lg::stack::is_alive(grandchild); }));
  CHECK(lg::stack::live_group_members(pid).empty());
}

TEST_CASE("stdout and stderr are appended to the log, stdin is /dev/null, cwd is set", "[runner]") {
  TempDir dir;
  const auto work = dir.path() / "work";
  fs::create_directory(work);
  BoostProcessRunner runner;
  auto spec =
      shell_spec(dir.path(), "talker", "echo out; echo err >&2; pwd -P; readlink /proc/$$/fd/0");
  spec.cwd = work;
  spec.log = dir.path() / "deep" / "er" / "talker.log";  // parent folders are created
  fs::create_directories(spec.log.parent_path());
  lg::test::write_file(spec.log, "from an earlier start\n");
  auto [pid, guard] = spawn_guarded(runner, spec);
  REQUIRE(runner.wait_exit(pid, 5000ms));
  CHECK(read_file(spec.log) ==
        "from an earlier start\nout\nerr\n" + fs::canonical(work).string() + "\n/dev/null\n");
}

TEST_CASE("the child inherits no other file descriptor", "[runner]") {
  TempDir dir;
  // A descriptor without close-on-exec, as a careless library might leave one.
  const int leak = ::fcntl(::open("/dev/null", O_RDONLY), F_DUPFD, 50);
  REQUIRE(leak >= 50);
  BoostProcessRunner runner;
  auto [pid, guard] =
      spawn_guarded(runner, shell_spec(dir.path(), "fds", "cd /proc/$$/fd && echo *"));
  ::close(leak);
  REQUIRE(runner.wait_exit(pid, 5000ms));
  const std::string fds = read_file(dir.path() / "log" / "fds.log");
  CHECK(fds.starts_with("0 1 2"));
  CHECK_THAT(fds, !Catch::Contains(std::to_string(leak)));
}

TEST_CASE("the child starts with no blocked or ignored signals", "[runner]") {
  TempDir dir;
  SignalStateGuard restore;
  // As the CLI does: SIGPIPE ignored; and a thread that blocks SIGTERM creates the runner.
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t term;
  ::sigemptyset(&term);
  ::sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
  BoostProcessRunner runner;
  auto [pid, guard] = spawn_guarded(runner, shell_spec(dir.path(), "sleeper", "exec sleep 30"));
  CHECK(status_mask(pid, "SigBlk") == 0);
  CHECK((status_mask(pid, "SigIgn") & (1ULL << (SIGPIPE - 1))) == 0);
  runner.signal_group(pid, SIGTERM);  // and so SIGTERM stops it
  CHECK(runner.wait_exit(pid, 5000ms));
}

TEST_CASE("spawn errors are values naming the service", "[runner]") {
  TempDir dir;
  BoostProcessRunner runner;
  auto spec = shell_spec(dir.path(), "ghost", "true");
  SECTION("no such program") {
    spec.argv = {"/nonexistent/bin/ghostd"};
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK(pid.error() == "cannot start ghost: /nonexistent/bin/ghostd: No such file or directory");
  }
  SECTION("a relative program path") {
    spec.argv = {"sh"};
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK(pid.error() == "cannot start ghost: sh is not an absolute path");
  }
  SECTION("no command") {
    spec.argv.clear();
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK(pid.error() == "cannot start ghost: no command");
  }
  SECTION("a missing working directory") {
    spec.cwd = dir.path() / "nope";
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK_THAT(pid.error(), Catch::Contains("working directory"));
  }
  SECTION("a file that is not a program: exec fails in the child, which is reaped") {
    const auto fake = dir.path() / "not-a-program";
    lg::test::write_file(fake, "no shebang, no ELF header\n");
    fs::permissions(fake, fs::perms::owner_all);
    spec.argv = {fake.string()};
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK(pid.error() == "cannot start ghost (" + fake.string() + "): Exec format error");
    CHECK(zombie_children().empty());
  }
  SECTION("a log that cannot be opened") {
    spec.log = dir.path();  // a directory
    auto pid = runner.spawn(spec);
    REQUIRE_FALSE(pid);
    CHECK_THAT(pid.error(), Catch::StartsWith("cannot start ghost: log "));
  }
}

TEST_CASE("die_with_parent: a child dies when the process that spawned it exits", "[runner]") {
  TempDir dir;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t helper = ::fork();
  REQUIRE(helper >= 0);
  if (helper == 0) {  // the helper: spawn two sleepers, report their pids, exit at once
    ::close(pipe_fds[0]);
    BoostProcessRunner runner;
    auto dies = runner.spawn(shell_spec(dir.path(), "dies", "exec sleep 30", true));
    auto stays = runner.spawn(shell_spec(dir.path(), "stays", "exec sleep 30", false));
    const int pids[2] = {dies ? *dies : -1, stays ? *stays : -1};
    const auto written = ::write(pipe_fds[1], pids, sizeof pids);
    ::_exit(written == sizeof pids ? 0 : 1);  // no destructors: the process just ends
  }
  ::close(pipe_fds[1]);
  int pids[2] = {-1, -1};
  const auto got = ::read(pipe_fds[0], pids, sizeof pids);
  ::close(pipe_fds[0]);
  // Guard both before checking anything (the kill only hits the very process we saw).
  GroupGuard dies_guard(nullptr, got == sizeof pids ? pids[0] : -1);
  GroupGuard stays_guard(nullptr, got == sizeof pids ? pids[1] : -1);
  int status = 0;
  REQUIRE(::waitpid(helper, &status, 0) == helper);
  REQUIRE(got == sizeof pids);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(pids[0] > 1);
  REQUIRE(pids[1] > 1);

  CHECK(wait_until([&] { return !lg::stack::is_alive(pids[0]); }));
  // Both lost their parent at the same moment; only the one that asked for it was killed.
  CHECK(lg::stack::is_alive(pids[1]));
}

TEST_CASE("clean_stale stops the recorded groups of a dead owner and removes the run",
          "[runner][run_dir]") {
  TempDir tmp;
  const fs::path root = tmp.path() / "root";
  const fs::path run = root / "run-1-0";
  fs::create_directories(run);
  const pid_t dead = ::fork();
  REQUIRE(dead >= 0);
  if (dead == 0) ::_exit(0);
  REQUIRE(::waitpid(dead, nullptr, 0) == dead);
  lg::test::write_file(run / "owner", std::to_string(dead) + " 1\n");

  BoostProcessRunner runner;
  auto [pid, guard] =
      spawn_guarded(runner, shell_spec(tmp.path(), "sleeper", "sleep 30 & echo $! > gc.pid; wait"));
  const int grandchild = pid_written_to(tmp.path() / "gc.pid");
  REQUIRE(lg::stack::write_pids(run, {{"sleeper", pid, start_ticks_of(pid), SIGTERM}}));

  SECTION("a run left by a killed loadgen") {
    CHECK(lg::stack::find_stale(root) == std::vector<fs::path>{run});
  }
  SECTION("a detached run counts as stale only once its processes are gone") {
    REQUIRE(lg::stack::mark_detached(run));
    CHECK(lg::stack::find_stale(root).empty());
    auto stopped = lg::stack::stop_recorded(run, 2000ms);  // `loadgen stack down`
    REQUIRE(stopped);
    REQUIRE(stopped->size() == 1);
    CHECK((*stopped)[0].how == StopOutcome::How::kStopped);
    CHECK(lg::stack::find_stale(root) == std::vector<fs::path>{run});
  }
  const auto cleaned = lg::stack::clean_stale(root, 2000ms);
  REQUIRE(cleaned.size() == 1);
  CHECK(cleaned[0].removed);
  CHECK_FALSE(fs::exists(run));
  REQUIRE(cleaned[0].processes.size() == 1);
  CHECK(cleaned[0].processes[0].process.name == "sleeper");
  CHECK_FALSE(lg::stack::is_alive(grandchild));  // clean_stale waited for the whole group
  CHECK(lg::stack::live_group_members(pid).empty());
  CHECK(runner.wait_exit(pid, 1000ms));
  const auto status = runner.exit_status(pid);
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGTERM);
}

TEST_CASE("stop_recorded escalates to SIGKILL and never signals a reused pid",
          "[runner][run_dir]") {
  TempDir tmp;
  BoostProcessRunner runner;
  // Ignores SIGTERM (a trap in the shell, inherited by nothing else): only SIGKILL works.
  auto [stubborn, stubborn_guard] = spawn_guarded(runner, shell_spec(tmp.path(), "stubborn",
                                                                     "trap '' TERM; echo > ready; "
                                                                     "while :; do sleep 1; done"));
  auto [bystander, bystander_guard] =
      spawn_guarded(runner, shell_spec(tmp.path(), "bystander", "exec sleep 30"));
  REQUIRE(wait_until([&] { return fs::exists(tmp.path() / "ready"); }));

  // The bystander is recorded with another start time: as if its pid had been reused.
  REQUIRE(lg::stack::write_pids(tmp.path(),
                                {{"bystander", bystander, start_ticks_of(bystander) + 1, SIGTERM},
                                 {"stubborn", stubborn, start_ticks_of(stubborn), SIGTERM}}));
  auto stopped = lg::stack::stop_recorded(tmp.path(), 100ms);
  REQUIRE(stopped);
  REQUIRE(stopped->size() == 2);
  CHECK((*stopped)[0].process.name == "stubborn");  // last started first
  CHECK((*stopped)[0].how == StopOutcome::How::kKilled);
  CHECK((*stopped)[1].process.name == "bystander");
  CHECK((*stopped)[1].how == StopOutcome::How::kGone);
  CHECK(runner.running(bystander));
  CHECK(runner.wait_exit(stubborn, 1000ms));
}
