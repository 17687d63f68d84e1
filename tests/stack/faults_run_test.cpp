// Faults on the real embedded stack, run by the loadgen binary: a replica killed and MariaDB
// paused mid-run. Each fault's outcome in result.json names the process groups it acted on,
// the pause is resumed on time, and the run ends with the stack down and nothing left stopped.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

TEST_CASE("faults: a kill and a pause on the embedded stack are done and recorded", "[stack]") {
  lg::test::TempDir tmp;
  const auto scenario = tmp.path() / "faults.json";
  lg::test::write_file(scenario, R"({
    "schema_version": 1, "name": "faults",
    "stack": {"replicas": {"min": 2, "max": 2}, "fpm_children": 2},
    "requests": [{"path": "/api/item?id=1"}],
    "steps": [{"users": 4, "duration": "6s"}], "rate_per_user": "5/s", "timeout": "3s",
    "faults": [{"at": "2s", "kind": "kill", "target": "replica:2"},
               {"at": "3s", "kind": "pause", "target": "db", "duration": "1s"}]})");
  const auto out_dir = tmp.path() / "out";
  const auto child = lg::test::spawn_loadgen(
      LOADGEN_BINARY,
      {scenario.string(), "--quiet", "--max-lag", "100ms", "--out", out_dir.string()},
      tmp.path() / "stdout.txt");
  const int code = child.wait();
  INFO(lg::test::read_file(tmp.path() / "stdout.txt"));
  CHECK((code == 0 || code == 1));  // the verdict is not this test's: the faults are
  const auto text = lg::test::read_file(out_dir / "result.json");
  REQUIRE_FALSE(text.empty());
  const auto r = nlohmann::json::parse(text);
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
