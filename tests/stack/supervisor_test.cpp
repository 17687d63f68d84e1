// Supervisor against the FakeRunner: start order, reverse teardown on every path, the error of a
// failed start (with the log tail), escalation to SIGKILL, and the pids file it keeps.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "stack/run_dir.h"
#include "stack/supervisor.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_runner.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

using lg::stack::Layout;
using lg::stack::ProcessSpec;
using lg::stack::Supervisor;
using lg::stack::SupervisorOptions;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;
using Names = std::vector<std::string>;

namespace {

ProcessSpec spec(const TempDir& dir, const std::string& name, int stop_signal = SIGTERM) {
  ProcessSpec s;
  s.name = name;
  s.argv = {"/bin/true"};
  s.log = dir.path() / "log" / (name + ".log");
  s.cwd = dir.path();
  s.stop_signal = stop_signal;
  s.stop_timeout = 3000ms;
  return s;
}

SupervisorOptions fake_time(FakeClock& clock, FakeRunner& runner) {
  SupervisorOptions o;
  o.now = [&clock] { return clock.now(); };
  o.sleep_for = [&clock](std::chrono::milliseconds d) { clock.sleep_for(d); };
  o.exit_status = [&runner](int pid) { return runner.exit_status(pid); };
  return o;
}

const auto always = [] { return true; };

// Three services in their start order: the teardown tests expect them stopped in reverse.
const Names kStack = {"mariadb", "fpm-1", "nginx-1"};

// Starts each of `names` in order, each ready at once; the test stops if one does not start.
void start_all(Supervisor& sup, const TempDir& dir, const Names& names) {
  for (const auto& name : names) {
    REQUIRE(sup.start(spec(dir, name), always, 1000ms));
  }
}

Names names_in(const std::vector<lg::stack::ProcessStatus>& list) {
  Names out;
  for (const auto& p : list) out.push_back(p.name);
  return out;
}

Names recorded_names(const TempDir& dir) {
  Names out;
  auto recorded = lg::stack::read_pids(dir.path());
  REQUIRE(recorded);
  for (const auto& p : *recorded) out.push_back(p.name);
  return out;
}

void write_numbered_log(const std::filesystem::path& path, int lines) {
  std::filesystem::create_directories(path.parent_path());
  std::string text;
  for (int i = 1; i <= lines; ++i) text += "line " + std::to_string(i) + "\n";
  lg::test::write_file(path, text);
}

}  // namespace

TEST_CASE("start runs services in order, stop_all stops them in reverse", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  FakeClock clock;
  Supervisor sup(runner, Layout{dir.path()}, fake_time(clock, runner));
  const Names order{"mariadb", "fpm-1", "nginx-1", "haproxy"};
  std::vector<int> pids;
  for (const auto& name : order) {
    auto handle = sup.start(spec(dir, name), always, 1000ms);
    REQUIRE(handle);
    CHECK(handle->name == name);
    pids.push_back(handle->pid);
  }
  CHECK(runner.events == Names{"spawn mariadb", "spawn fpm-1", "spawn nginx-1", "spawn haproxy"});
  const auto listed = sup.processes();
  CHECK(names_in(listed) == order);
  for (const auto& p : listed) CHECK(p.running);

  // The pids and owner files describe the run for another process.
  auto recorded = lg::stack::read_pids(dir.path());
  REQUIRE(recorded);
  REQUIRE(recorded->size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK((*recorded)[i].name == order[i]);
    CHECK((*recorded)[i].pid == pids[i]);
    CHECK((*recorded)[i].stop_signal == SIGTERM);
  }
  auto owner = lg::stack::read_owner(dir.path());
  REQUIRE(owner);
  CHECK(owner->pid == ::getpid());

  REQUIRE(sup.stop_all());
  CHECK(runner.signalled() == Names{"haproxy", "nginx-1", "fpm-1", "mariadb"});
  CHECK(sup.processes().empty());
  CHECK(recorded_names(dir).empty());
  CHECK(clock.sleeps == 0);  // ready at the first probe
}

TEST_CASE("the destructor stops everything in reverse order", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  {
    Supervisor sup(runner, Layout{dir.path()});
    start_all(sup, dir, kStack);
    CHECK(runner.signalled().empty());
  }
  CHECK(runner.signalled() == Names{"nginx-1", "fpm-1", "mariadb"});
  for (const auto& name : kStack) CHECK_FALSE(runner.alive(name));
  CHECK(recorded_names(dir).empty());
}

TEST_CASE("a failed start in the middle: that one is stopped, then the rest in reverse",
          "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  FakeClock clock;
  std::string failure;
  Names expected_signals;
  SECTION("spawn fails") {
    runner.fail_spawn.insert("nginx-1");
    expected_signals = {"fpm-1", "mariadb"};  // nginx-1 never existed
    failure = "cannot start nginx-1: scripted failure";
  }
  SECTION("it exits before it is ready") {
    runner.exit_at_once.insert("nginx-1");
    expected_signals = {"nginx-1", "fpm-1", "mariadb"};  // nginx-1: what is left of its group
    failure = "nginx-1 (pid 5000002) exited with status 1 before it was ready";
  }
  SECTION("it is not ready in time") {
    expected_signals = {"nginx-1", "fpm-1", "mariadb"};
    failure = "nginx-1 (pid 5000002) was not ready within 200 ms";
  }
  {
    Supervisor sup(runner, Layout{dir.path()}, fake_time(clock, runner));
    REQUIRE(sup.start(spec(dir, "mariadb"), always, 200ms));
    REQUIRE(sup.start(spec(dir, "fpm-1"), always, 200ms));
    auto bad = sup.start(
        spec(dir, "nginx-1"), [] { return false; }, 200ms);
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error(), Catch::Contains(failure));
    CHECK_FALSE(runner.alive("nginx-1"));
    CHECK(names_in(sup.processes()) == Names{"mariadb", "fpm-1"});
    CHECK(recorded_names(dir) == Names{"mariadb", "fpm-1"});
    CHECK(runner.alive("mariadb"));
    CHECK(runner.alive("fpm-1"));
  }  // the caller gives up: the destructor tears down the rest
  CHECK(runner.signalled() == expected_signals);
  CHECK_FALSE(runner.alive("mariadb"));
  CHECK_FALSE(runner.alive("fpm-1"));
}

TEST_CASE("not ready within the deadline: the error has the service, the deadline and the log",
          "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  FakeClock clock;
  auto s = spec(dir, "haproxy");
  write_numbered_log(s.log, 30);
  int probes = 0;
  Supervisor sup(runner, Layout{dir.path()}, fake_time(clock, runner));
  auto started = sup.start(
      s, [&probes] { return ++probes < 0; }, 500ms);
  REQUIRE_FALSE(started);
  const std::string& error = started.error();
  CHECK_THAT(error, Catch::StartsWith("haproxy (pid 5000000) was not ready within 500 ms\n"));
  CHECK_THAT(error, Catch::Contains("last 20 lines of " + s.log.string() + ":\n"));
  CHECK_THAT(error, Catch::EndsWith("line 11\nline 12\nline 13\nline 14\nline 15\nline 16\n"
                                    "line 17\nline 18\nline 19\nline 20\nline 21\nline 22\n"
                                    "line 23\nline 24\nline 25\nline 26\nline 27\nline 28\n"
                                    "line 29\nline 30\n"));
  CHECK_THAT(error, !Catch::Contains("line 10\n"));
  // Probed every 20 ms from 0 to 500 ms inclusive; never slept past the deadline.
  CHECK(probes == 26);
  CHECK(clock.sleeps == 25);
  CHECK(clock.t.time_since_epoch() == 500ms);
  CHECK(runner.events_of("haproxy") == Names{"spawn haproxy", "signal haproxy SIGTERM",
                                             "signal haproxy SIGCONT", "wait haproxy 3000",
                                             "signal haproxy SIGKILL"});
}

TEST_CASE("ready after a few probes, 20 ms apart", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  FakeClock clock;
  Supervisor sup(runner, Layout{dir.path()}, fake_time(clock, runner));
  int probes = 0;
  auto started = sup.start(
      spec(dir, "mariadb"), [&probes] { return ++probes == 4; }, 5000ms);
  REQUIRE(started);
  CHECK(probes == 4);
  CHECK(clock.t.time_since_epoch() == 60ms);
}

TEST_CASE("a readiness probe that throws fails the start", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor sup(runner, Layout{dir.path()});
  auto started = sup.start(
      spec(dir, "mariadb"), []() -> bool { throw std::runtime_error("socket path too long"); },
      1000ms);
  REQUIRE_FALSE(started);
  CHECK_THAT(started.error(), Catch::Contains("mariadb (pid 5000000) failed its readiness probe: "
                                              "socket path too long"));
  CHECK_FALSE(runner.alive("mariadb"));
}

TEST_CASE("stop sends the stop signal, then SIGKILL after stop_timeout", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor sup(runner, Layout{dir.path()});
  REQUIRE(sup.start(spec(dir, "nginx-1", SIGQUIT), always, 1000ms));
  REQUIRE(sup.start(spec(dir, "nginx-2", SIGQUIT), always, 1000ms));

  SECTION("a process that exits on its stop signal") {
    REQUIRE(sup.stop("nginx-1"));
    CHECK(runner.events_of("nginx-1") == Names{"spawn nginx-1", "signal nginx-1 SIGQUIT",
                                               "signal nginx-1 SIGCONT", "wait nginx-1 3000",
                                               "signal nginx-1 SIGKILL"});
  }
  SECTION("a process that ignores it") {
    runner.ignore_stop.insert("nginx-1");
    REQUIRE(sup.stop("nginx-1"));
    CHECK(runner.events_of("nginx-1") == Names{"spawn nginx-1", "signal nginx-1 SIGQUIT",
                                               "signal nginx-1 SIGCONT", "wait nginx-1 3000",
                                               "signal nginx-1 SIGKILL", "wait nginx-1 2000"});
  }
  CHECK_FALSE(runner.alive("nginx-1"));
  CHECK(runner.alive("nginx-2"));
  CHECK(names_in(sup.processes()) == Names{"nginx-2"});
  CHECK(recorded_names(dir) == Names{"nginx-2"});
}

TEST_CASE("stop_all stops every process even when one survives SIGKILL", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor sup(runner, Layout{dir.path()});
  start_all(sup, dir, kStack);
  runner.unkillable.insert("fpm-1");
  auto stopped = sup.stop_all();
  REQUIRE_FALSE(stopped);
  CHECK_THAT(stopped.error(), Catch::Contains("fpm-1 (pid 5000001) did not exit within 2000 ms "
                                              "of SIGKILL"));
  CHECK(runner.signalled() == Names{"nginx-1", "fpm-1", "mariadb"});
  CHECK_FALSE(runner.alive("nginx-1"));
  CHECK_FALSE(runner.alive("mariadb"));
  // Still listed and recorded, so a later stop (or `loadgen stack down`) can try again.
  CHECK(names_in(sup.processes()) == Names{"fpm-1"});
  CHECK(recorded_names(dir) == Names{"fpm-1"});
  runner.unkillable.clear();
  CHECK(sup.stop_all());
  CHECK(sup.processes().empty());
}

TEST_CASE("names are unique while running, stopping an unknown name is an error", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor sup(runner, Layout{dir.path()});
  REQUIRE(sup.start(spec(dir, "nginx-1"), always, 1000ms));
  auto again = sup.start(spec(dir, "nginx-1"), always, 1000ms);
  REQUIRE_FALSE(again);
  CHECK(again.error() == "cannot start nginx-1: already running (pid 5000000)");
  auto unknown = sup.stop("nginx-9");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == "cannot stop nginx-9: no such running process");
  REQUIRE(sup.stop("nginx-1"));
  CHECK(sup.start(spec(dir, "nginx-1"), always, 1000ms));  // the name is free again
}

TEST_CASE("detach leaves the processes running and recorded", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  {
    Supervisor sup(runner, Layout{dir.path()});
    REQUIRE(sup.start(spec(dir, "mariadb"), always, 1000ms));
    REQUIRE(sup.start(spec(dir, "haproxy"), always, 1000ms));
    REQUIRE(sup.detach());
    CHECK(sup.processes().empty());
  }
  CHECK(runner.signalled().empty());
  CHECK(runner.alive("mariadb"));
  CHECK(lg::stack::is_detached(dir.path()));
  CHECK(recorded_names(dir) == Names{"mariadb", "haproxy"});
}

TEST_CASE("a start fails when the run directory cannot hold the pids file", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor sup(runner, Layout{dir.path() / "missing"});
  auto started = sup.start(spec(dir, "mariadb"), always, 1000ms);
  REQUIRE_FALSE(started);
  CHECK_THAT(started.error(), Catch::StartsWith("cannot start mariadb: cannot create "));
  CHECK(runner.events.empty());  // the owner file failed first: nothing was spawned
}

TEST_CASE("log_tail", "[supervisor]") {
  TempDir dir;
  const auto path = dir.path() / "x.log";
  CHECK(lg::stack::log_tail(path) == "(no log at " + path.string() + ")\n");
  lg::test::write_file(path, "");
  CHECK(lg::stack::log_tail(path) == "(empty log " + path.string() + ")\n");
  lg::test::write_file(path, "one\ntwo\nthree");  // no final newline
  CHECK(lg::stack::log_tail(path, 2) == "two\nthree\n");
  CHECK(lg::stack::log_tail(path, 20) == "one\ntwo\nthree\n");
  lg::test::write_file(path, "\n\nlast\n");  // empty lines count as lines
  CHECK(lg::stack::log_tail(path, 2) == "\nlast\n");
  CHECK(lg::stack::log_tail(path, 3) == "\n\nlast\n");
  CHECK(lg::stack::log_tail(path, 0).empty());
  // Longer than the 64 KiB read: the partial first line is dropped, the end is intact.
  std::string big;
  for (int i = 0; i < 2000; ++i) big += std::string(99, 'a' + static_cast<char>(i % 26)) + "\n";
  lg::test::write_file(path, big + "tail 1\ntail 2\n");
  CHECK(lg::stack::log_tail(path, 2) == "tail 1\ntail 2\n");
  const std::string many = lg::stack::log_tail(path, 100000);
  CHECK(many.size() < 64 * 1024);
  CHECK(many.front() != '\n');
  CHECK(big.ends_with(many.substr(0, many.size() - 14)));
}

TEST_CASE("describe_wait_status", "[supervisor]") {
  CHECK(lg::stack::describe_wait_status(1 << 8) == "exited with status 1");
  CHECK(lg::stack::describe_wait_status(0) == "exited with status 0");
  CHECK(lg::stack::describe_wait_status(SIGKILL) == "was killed by signal 9 (SIGKILL)");
  CHECK(lg::stack::describe_wait_status(SIGTERM) == "was killed by signal 15 (SIGTERM)");
}

TEST_CASE("a second supervisor with a record suffix records beside the first", "[supervisor]") {
  TempDir dir;
  FakeRunner runner;
  Supervisor main_sup(runner, Layout{dir.path()});
  SupervisorOptions o;
  o.record_suffix = ".autoscaler";
  Supervisor helper(runner, Layout{dir.path()}, o);
  REQUIRE(main_sup.start(spec(dir, "mariadb"), always, 1000ms));
  REQUIRE(helper.start(spec(dir, "fpm-1", SIGQUIT), always, 1000ms));
  REQUIRE(main_sup.start(spec(dir, "haproxy"), always, 1000ms));
  REQUIRE(helper.start(spec(dir, "nginx-1", SIGQUIT), always, 1000ms));
  CHECK(lg::test::read_file(dir.path() / "pids").find("fpm-1") == std::string::npos);
  CHECK(lg::test::read_file(dir.path() / "pids.autoscaler").find("nginx-1") != std::string::npos);
  CHECK(std::filesystem::exists(dir.path() / "owner.autoscaler"));
  CHECK(recorded_names(dir) == Names{"fpm-1", "nginx-1", "mariadb", "haproxy"});
  REQUIRE(helper.stop("fpm-1"));
  CHECK(recorded_names(dir) == Names{"nginx-1", "mariadb", "haproxy"});
  REQUIRE(helper.stop_all());
  CHECK(recorded_names(dir) == Names{"mariadb", "haproxy"});
}
