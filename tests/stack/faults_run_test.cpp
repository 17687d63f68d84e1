// Faults on the real embedded stack, run by the loadgen binary: a replica killed and MariaDB
// paused mid-run, and a hang and a reset through the fault proxy. Each fault's outcome in
// result.json names what it acted on, each is undone on time, and the stack heals after.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct Run {
  int code = -1;
  std::string out;  // stdout: the tables and the verdict
  nlohmann::json result;
};

// The loadgen binary on the scenario `text`, as a user runs it.
Run run_scenario(const lg::test::TempDir& tmp, const std::string& text) {
  const auto scenario = tmp.path() / "faults.json";
  lg::test::write_file(scenario, text);
  const auto out_dir = tmp.path() / "out";
  const auto child = lg::test::spawn_loadgen(
      LOADGEN_BINARY,
      {scenario.string(), "--quiet", "--max-lag", "100ms", "--out", out_dir.string()},
      tmp.path() / "stdout.txt");
  Run r;
  r.code = child.wait();
  r.out = lg::test::read_file(tmp.path() / "stdout.txt");
  const auto json = lg::test::read_file(out_dir / "result.json");
  REQUIRE_FALSE(json.empty());
  r.result = nlohmann::json::parse(json);
  return r;
}

}  // namespace

TEST_CASE("faults: a kill and a pause on the embedded stack are done and recorded", "[stack]") {
  lg::test::TempDir tmp;
  const auto run = run_scenario(tmp, R"({
    "schema_version": 1, "name": "faults",
    "stack": {"replicas": {"min": 2, "max": 2}, "fpm_children": 2},
    "requests": [{"path": "/api/item?id=1"}],
    "steps": [{"users": 4, "duration": "6s"}], "rate_per_user": "5/s", "timeout": "3s",
    "faults": [{"at": "2s", "kind": "kill", "target": "replica:2"},
               {"at": "3s", "kind": "pause", "target": "db", "duration": "1s"}]})");
  INFO(run.out);
  CHECK((run.code == 0 || run.code == 1));  // the verdict is not this test's: the faults are
  const auto& r = run.result;
  const auto& actions = r["actions"];
  INFO(actions.dump(2));
  REQUIRE(actions.size() == 3);
  CHECK(actions[0]["kind"] == "kill");
  CHECK(actions[0]["ok"] == true);
  CHECK_THAT(actions[0]["outcome"].get<std::string>(),
             StartsWith("replica:2: killed process groups "));
  CHECK(actions[1]["kind"] == "pause");
  CHECK(actions[1]["ok"] == true);
  CHECK_THAT(actions[1]["outcome"].get<std::string>(), StartsWith("db: paused process group "));
  CHECK(actions[2]["kind"] == "resume");
  CHECK(actions[2]["ok"] == true);
  CHECK(actions[2]["at_s"].get<double>() == Approx(4.0));
  CHECK(actions[2]["fired_s"].get<double>() == Approx(4.0).margin(0.5));
  // The paused group and the resumed one are the same.
  const auto group = actions[1]["outcome"].get<std::string>().substr(
      std::string("db: paused process group ").size());
  CHECK(actions[2]["outcome"] == "db: resumed process group " + group);
  // Requests went on after the kill: the other replica answered.
  CHECK(r["summary"]["responses"].get<int>() > 60);
}

TEST_CASE("faults: a hang and a reset through the fault proxy, judged and healed", "[stack]") {
  lg::test::TempDir tmp;
  const auto run = run_scenario(tmp, R"({
    "schema_version": 1, "name": "net-faults",
    "stack": {"replicas": {"min": 2, "max": 2}, "fpm_children": 4},
    "requests": [{"path": "/api/item?id=1"}],
    "steps": [{"rate": "100/s", "duration": "16s"}], "timeout": "1s",
    "faults": [{"at": "2s", "kind": "hang", "target": "replica:1", "duration": "4s"},
               {"at": "9s", "kind": "reset", "target": "replica:2", "duration": "3s"}],
    "slo": {"checks": ["recovers within 3s of fault 1", "errors during fault 2 < 1%"]}})");
  INFO(run.out);
  CHECK(run.code == 0);
  const auto& r = run.result;
  for (const auto& a : r["actions"]) {
    INFO(a.dump());
    CHECK(a["ok"] == true);
    CHECK_THAT(a["outcome"].get<std::string>(), Contains("proxy route"));
  }
  const auto& tl = r["timeline"];
  const auto at = [&tl](int t) -> const nlohmann::json& {
    for (const auto& p : tl)
      if (p["t"] == t) return p;
    FAIL("no timeline second " << t);
    return tl[0];
  };
  // The hang is told as it is: requests to replica 1 time out (1 s) until HAProxy's checks,
  // which go through the proxy too, take it out; then every request is answered again.
  CHECK(at(3)["errors"]["timeout"].get<int>() + at(4)["errors"]["timeout"].get<int>() > 20);
  bool hung_down = false, reset_down = false;
  for (int t = 2; t <= 7; ++t) hung_down = hung_down || at(t)["healthy"] < 2;
  for (int t = 9; t <= 13; ++t) reset_down = reset_down || at(t)["healthy"] < 2;
  CHECK(hung_down);
  CHECK(reset_down);
  for (int t = 13; t <= 15; ++t) {
    CHECK(at(t)["failed"] == 0);
    CHECK(at(t)["healthy"] == 2);
  }
  for (const auto& c : r["checks"]) {
    INFO(c.dump());
    CHECK(c["passed"] == true);  // the reset cost nothing: HAProxy retried on the other replica
  }
}

TEST_CASE("faults: latency and a reset between the app and MariaDB, through the fault proxy",
          "[stack]") {
  lg::test::TempDir tmp;
  const auto run = run_scenario(tmp, R"({
    "schema_version": 1, "name": "db-faults",
    "stack": {"replicas": {"min": 2, "max": 2}, "fpm_children": 4},
    "requests": [{"path": "/api/item?id={{rand 1 1000}}"}],
    "steps": [{"rate": "50/s", "duration": "10s"}], "timeout": "2s",
    "faults": [{"at": "2s", "kind": "latency", "target": "db", "duration": "3s",
                "params": {"ms": 50}},
               {"at": "6s", "kind": "reset", "target": "db", "duration": "1s"}]})");
  INFO(run.out);
  const auto& r = run.result;
  for (const auto& a : r["actions"]) {
    INFO(a.dump());
    CHECK(a["ok"] == true);
  }
  const auto p = [&r](int t, const char* key) {
    for (const auto& s : r["timeline"])
      if (s["t"] == t) return s[key].get<double>();
    return -1.0;
  };
  // Every request waits for at least one answer from MariaDB: 50 ms more while the latency
  // lasts (the median of a second fully inside it), about 1 ms before.
  CHECK(p(1, "p50_ms") < 50);
  CHECK(p(3, "p50_ms") >= 50);
  // The reset cuts the app's connections: the app answers 500 (database unavailable) until it
  // reconnects once the reset is cleared; the last seconds are clean again.
  CHECK(p(6, "failed") > 0);
  CHECK(p(8, "failed") == 0);
  CHECK(p(9, "failed") == 0);
}
