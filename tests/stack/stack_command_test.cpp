// `loadgen stack down` and `loadgen stack status` on run directories made by the test (no
// real daemons; shell scripts stand in for the services): only a stack run is ever stopped or
// removed, and status says what runs and what listens on the run's ports, with exit codes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "stack/boost_process_runner.h"
#include "stack/run_dir.h"
#include "tests/stack/fake_run.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/shell_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace fs = std::filesystem;
using lg::stack::BoostProcessRunner;
using namespace lg::test;  // the shared helpers: tests/support, tests/stack/fake_run.h
using namespace std::chrono_literals;

namespace {

struct Ran {
  int code = -1;
  std::string text;  // stdout and stderr
};

Ran loadgen(const TempDir& tmp, std::vector<std::string> args) {
  const auto [code, text] =
      lg::test::run_loadgen_logged(LOADGEN_BINARY, std::move(args), tmp.path() / "loadgen.log");
  return {code, text};
}

// A loopback listening socket on an ephemeral port; closed at scope exit.
struct Listening {
  int fd = -1;
  std::uint16_t port = 0;
  Listening() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::listen(fd, 4) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
  }
  ~Listening() {
    if (fd >= 0) ::close(fd);
  }
  Listening(const Listening&) = delete;
  Listening& operator=(const Listening&) = delete;
};

}  // namespace

TEST_CASE("stack down refuses a folder that is not a stack run and leaves it as it was",
          "[stack_cli]") {
  TempDir tmp;
  fs::path dir;
  SECTION("any folder") {
    dir = tmp.path() / "mine";
    fs::create_directories(dir / "sub");
  }
  SECTION("named like a run, with a stack.info, but without the layout") {
    dir = tmp.path() / "run-1-0";
    fs::create_directories(dir);
    lg::test::write_file(dir / "owner", "1 1\n");
    lg::test::write_file(dir / "stack.info",
                         "url=http://127.0.0.1:18000\nbase_port=18000\n"
                         "max_replicas=2\n");
  }
  SECTION("a stack run whose www/ is a symlink") {
    dir = lg::test::make_fake_run(tmp.path() / "runs");
    REQUIRE_FALSE(dir.empty());
    fs::remove(dir / "www");
    fs::create_directory_symlink(tmp.path(), dir / "www");
  }
  SECTION("a symlink to a stack run") {
    const auto real = lg::test::make_fake_run(tmp.path() / "runs");
    REQUIRE_FALSE(real.empty());
    dir = tmp.path() / "run-2-0";
    fs::create_directory_symlink(real, dir);
  }
  lg::test::write_file(dir / "precious.txt", "keep me\n");
  const auto ran = loadgen(tmp, {"stack", "down", "--run-dir", dir.string()});
  INFO(ran.text);
  CHECK(ran.code == 2);
  CHECK_THAT(ran.text, Catch::Contains("is not a stack run directory"));
  CHECK_THAT(ran.text, Catch::Contains("nothing was stopped or removed"));
  CHECK(lg::test::read_file(dir / "precious.txt") == "keep me\n");
}

TEST_CASE("stack down and status on a missing folder exit 2", "[stack_cli]") {
  TempDir tmp;
  const auto missing = (tmp.path() / "no-such-run").string();
  for (const char* action : {"down", "status"}) {
    const auto ran = loadgen(tmp, {"stack", action, "--run-dir", missing});
    INFO(action << ": " << ran.text);
    CHECK(ran.code == 2);
    CHECK_THAT(ran.text, Catch::Contains("no such directory"));
  }
}

TEST_CASE("stack down stops a stack run's groups, workers included, and removes it",
          "[stack_cli]") {
  TempDir tmp;
  const auto dir = lg::test::make_fake_run(tmp.path() / "runs");
  REQUIRE_FALSE(dir.empty());
  BoostProcessRunner runner;
  auto web = runner.spawn(shell_spec(dir, "nginx-1", lg::test::master_with_worker("web")));
  REQUIRE(web);
  GroupsGuard guard;
  guard.add(*web);
  REQUIRE(wait_until([&] { return fs::exists(dir / "web.worker"); }));
  // SIGTERM: a non-interactive sh starts its background worker with SIGQUIT ignored.
  REQUIRE(lg::stack::write_pids(dir, {{"nginx-1", *web, start_ticks_of(*web), SIGTERM}}));

  const auto ran = loadgen(tmp, {"stack", "down", "--run-dir", dir.string()});
  INFO(ran.text);
  CHECK(ran.code == 0);
  CHECK_THAT(ran.text, Catch::Contains("stopped 1 of 1 recorded processes of " + dir.string() +
                                       "; removed it"));
  CHECK_FALSE(fs::exists(dir));
  CHECK(lg::stack::live_group_members(*web).empty());
}

TEST_CASE("stack status: what runs, what listens on the run's ports, exit 0 or 3", "[stack_cli]") {
  TempDir tmp;
  const Listening stray;  // this test process on the run's first port: not one of the run's
  REQUIRE(stray.port != 0);
  const auto dir = lg::test::make_fake_run(tmp.path() / "runs", stray.port);
  REQUIRE_FALSE(dir.empty());
  BoostProcessRunner runner;
  GroupsGuard guard;
  auto haproxy = runner.spawn(shell_spec(dir, "haproxy", "exec sleep 300"));
  REQUIRE(haproxy);
  guard.add(*haproxy);
  std::vector<lg::stack::RecordedProcess> recorded{
      {"haproxy", *haproxy, start_ticks_of(*haproxy), SIGTERM}};
  REQUIRE(lg::stack::write_pids(dir, recorded));
  const std::vector<std::string> status{"stack", "status", "--run-dir", dir.string()};

  SECTION("every recorded process runs: 0, and the stray listener is named") {
    const auto ran = loadgen(tmp, status);
    INFO(ran.text);
    CHECK(ran.code == 0);
    CHECK_THAT(ran.text, Catch::Contains("haproxy    pid " + std::to_string(*haproxy)));
    CHECK_THAT(ran.text, Catch::Contains("all 1 recorded processes running"));
    CHECK_THAT(ran.text, Catch::Contains(std::to_string(stray.port) + "  haproxy"));
    CHECK_THAT(ran.text, Catch::Contains("pid " + std::to_string(::getpid())));
    CHECK_THAT(ran.text, Catch::Contains("[NOT a process of this run]"));
  }
  SECTION("a master died, its worker lives on: 3, and the worker is named") {
    auto web = runner.spawn(shell_spec(dir, "nginx-1", lg::test::master_with_worker("web")));
    REQUIRE(web);
    guard.add(*web);
    REQUIRE(wait_until([&] { return fs::exists(dir / "web.worker"); }));
    const int worker = std::stoi(lg::test::read_file(dir / "web.worker"));
    recorded.push_back({"nginx-1", *web, start_ticks_of(*web), SIGQUIT});
    REQUIRE(lg::stack::write_pids(dir, recorded));
    ::kill(*web, SIGKILL);  // the master only
    REQUIRE(runner.wait_exit(*web, 2000ms));
    const auto ran = loadgen(tmp, status);
    INFO(ran.text);
    CHECK(ran.code == 3);
    CHECK_THAT(ran.text, Catch::Contains("NOT RUNNING (1 of its group still alive: " +
                                         std::to_string(worker) + ")"));
    CHECK_THAT(ran.text, Catch::Contains("NOT RUNNING: nginx-1"));
  }
  SECTION("nothing recorded: 3") {
    REQUIRE(lg::stack::write_pids(dir, {}));
    const auto ran = loadgen(tmp, status);
    INFO(ran.text);
    CHECK(ran.code == 3);
    CHECK_THAT(ran.text, Catch::Contains("no process is recorded"));
  }
  SECTION("not a stack run: 2") {
    fs::remove(dir / "stack.info");
    const auto ran = loadgen(tmp, status);
    INFO(ran.text);
    CHECK(ran.code == 2);
    CHECK_THAT(ran.text, Catch::Contains("is not a stack run directory"));
  }
}
