// The stack's fault proxy process (stack/fault_proxy.h): loadgen-faultproxy started from its
// spec, spoken to through fault_control, in front of the loopback test server. No daemons.
#include "stack/fault_proxy.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "stack/boost_process_runner.h"
#include "stack/http_probe.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/wait_until.h"

using lg::stack::fault_control;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;

namespace {

// The proxy with one route, killed (its group) on every path out of the test.
class RunningProxy {
 public:
  RunningProxy(const TempDir& dir, std::uint16_t listen, std::uint16_t control,
               std::uint16_t upstream) {
    lg::stack::ProcessSpec spec;
    spec.name = "faultproxy";
    spec.argv = {lg::stack::fault_proxy_binary().string(), "--control", std::to_string(control),
                 "--route", std::to_string(listen) + ":" + std::to_string(upstream)};
    spec.log = dir.path() / "faultproxy.log";
    spec.cwd = dir.path();
    auto pid = runner_.spawn(spec);
    REQUIRE(pid.has_value());
    pid_ = *pid;
    const auto probe = "stats " + std::to_string(listen);
    REQUIRE(wait_until([&] { return fault_control(control, probe).has_value(); }));
  }
  ~RunningProxy() {
    runner_.signal_group(pid_, SIGKILL);
    runner_.wait_exit(pid_, 5000ms);
  }
  RunningProxy(const RunningProxy&) = delete;
  RunningProxy& operator=(const RunningProxy&) = delete;
  int pid() const { return pid_; }
  bool running() { return runner_.running(pid_); }

 private:
  lg::stack::BoostProcessRunner runner_;
  int pid_ = -1;
};

// Whether `sig` is in the process's ignored set (/proc/PID/status SigIgn, a hex mask).
bool ignores(int pid, int sig) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (!line.starts_with("SigIgn:")) continue;
    const auto mask = std::stoull(line.substr(7), nullptr, 16);
    return ((mask >> (sig - 1)) & 1U) != 0;
  }
  return false;
}

// Two free ports in a row from `first` on; each test case starts elsewhere, since ctest runs
// them side by side and a free port is only free until someone binds it.
// GET / through the proxy: the status, or -1 when no answer came.
int status_through(std::uint16_t port) {
  const auto r = lg::stack::http_get("127.0.0.1", port, "/", 2000ms);
  return r ? r->status : -1;
}

std::uint16_t free_port_pair(std::uint16_t first) {
  auto base = lg::stack::find_free_port_block(first, 2, 200);
  REQUIRE(base.has_value());
  return *base;
}

}  // namespace

TEST_CASE("fault proxy process: switched through its control line, it forwards, then refuses",
          "[fault]") {
  TestServer backend;
  TempDir dir;
  const auto port = free_port_pair(31000);
  RunningProxy proxy(dir, port, port + 1, backend.port());
  const auto route = std::to_string(port);
  CHECK(status_through(port) == 200);

  CHECK(fault_control(port + 1, "set " + route + " reset=1") == "ok");
  CHECK(status_through(port) == -1);  // in effect once the answer is "ok"
  CHECK(fault_control(port + 1, "set " + route + " clear") == "ok");
  CHECK(status_through(port) == 200);

  // The proxy's own refusals come back as errors that say what is wrong.
  const auto bad_key = fault_control(port + 1, "set " + route + " down.latncy_ms=5");
  REQUIRE_FALSE(bad_key.has_value());
  CHECK(bad_key.error().find("latncy") != std::string::npos);
  const auto no_route = fault_control(port + 1, "set 1 clear");
  REQUIRE_FALSE(no_route.has_value());
  CHECK(no_route.error().find("no route") != std::string::npos);
  // And nothing listening is an error naming the port, not a hang.
  const auto nobody = fault_control(9, "stats 1");  // the discard port: nothing listens
  CHECK_FALSE(nobody.has_value());
}

TEST_CASE("fault proxy process: a client gone during a hang does not kill it with SIGPIPE",
          "[fault]") {
  TestServer backend;
  TempDir dir;
  const auto port = free_port_pair(31500);
  RunningProxy proxy(dir, port, port + 1, backend.port());
  // Found on the real stack: clients that timed out during a hang left responses to write to
  // closed sockets once the hang was cleared, and the SIGPIPE killed every route at once.
  CHECK(ignores(proxy.pid(), SIGPIPE));
  REQUIRE(fault_control(port + 1, "set " + std::to_string(port) + " hang=1") == "ok");
  for (int i = 0; i < 4; ++i) CHECK_FALSE(lg::stack::http_get("127.0.0.1", port, "/", 100ms));
  REQUIRE(fault_control(port + 1, "set " + std::to_string(port) + " clear") == "ok");
  CHECK(status_through(port) == 200);
  CHECK(proxy.running());
}
