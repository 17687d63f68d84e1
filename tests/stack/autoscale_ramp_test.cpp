// The autoscaler as part of the system under test, observed by the harness: a low -> high ->
// low open-loop ramp on /api/work makes replicas rise above min, never pass max, and return
// to min, with no two scale events closer than the cooldown and no failed request.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace {

int run_loadgen(std::vector<std::string> args) {
  args.insert(args.begin(), LOADGEN_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, LOADGEN_BINARY, nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("autoscale ramp: replicas follow the load within bounds, no request fails", "[stack]") {
  lg::test::TempDir tmp;
  const auto scenario = tmp.path() / "ramp.json";
  // 4 PHP workers x 20 ms: one replica serves about 200/s; 320/s on 2 replicas is 160/s each,
  // above the 100/s per replica scale-up threshold; 40/s over 3-4 replicas is far below 50/s.
  lg::test::write_file(scenario, R"({"schema_version": 1, "name": "ramp-test",
    "stack": {"replicas": {"min": 2, "max": 4}, "fpm_children": 4,
      "autoscaler": {"check_interval": "1s", "cooldown": "3s", "window": "3s",
                     "stabilization": "4s"}},
    "requests": [{"path": "/api/work?ms=20"}],
    "steps": [{"rate": "40/s", "duration": "6s"},
              {"rate": "320/s", "duration": "14s", "ramp": "2s"},
              {"rate": "40/s", "duration": "20s"}],
    "timeout": "5s"})");
  const auto out = tmp.path() / "out";
  REQUIRE(run_loadgen({scenario.string(), "--quiet", "--out", out.string()}) == 0);
  std::ifstream in(out / "result.json");
  const auto r = nlohmann::json::parse(in);

  CHECK(r["summary"]["failed"] == 0);
  CHECK(r["summary"]["dropped"] == 0);
  int peak = 0;
  for (const auto& t : r["timeline"]) {
    REQUIRE_FALSE(t["replicas"].is_null());
    const int n = t["replicas"].get<int>();
    CHECK(n >= 2);
    CHECK(n <= 4);
    peak = std::max(peak, n);
  }
  CHECK(peak > 2);                               // scaled up under load
  CHECK(r["timeline"].back()["replicas"] == 2);  // and back to min after
  const auto& steps = r["steps"];
  CHECK(steps[0]["replicas"]["max"] == 2);  // nothing happened before the load
  CHECK(steps[2]["replicas"]["max"].get<int>() > 2);

  const auto& events = r["stack_events"];
  int ups = 0, downs = 0;
  double last = -1e9;
  for (const auto& e : events) {
    const auto type = e["type"].get<std::string>();
    if (type == "recovery") continue;
    ups += type == "scale_up";
    downs += type == "scale_down";
    const double t = e["t_s"].get<double>();
    CHECK(t - last >= 3.0 - 0.05);  // the cooldown (check ticks are whole seconds)
    last = t;
    CHECK_FALSE(e["reason"].get<std::string>().empty());
  }
  CHECK(ups >= 1);
  CHECK(downs >= 1);
}
