// The CI gate: scenarios/smoke.json run end to end by the loadgen binary on the real embedded
// stack must pass every check (exit 0); the same scenario with an endpoint that errors must
// exit 1 and name the failed check. The binary is run as CI and users run it.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/temp_dir.h"

namespace {

using lg::test::TempDir;

struct Outcome {
  int code = -1;
  std::string out;  // stdout: the step and verdict tables
  nlohmann::json result;
};

Outcome run_scenario(const TempDir& tmp, const std::filesystem::path& scenario) {
  const auto out_dir = tmp.path() / "out";
  const auto stdout_file = tmp.path() / "stdout.txt";
  // --max-lag 100ms: the stack, the generator and other tests share 2 cores here; the gate
  // judges the stack's SLOs, the generator's own schedule is the loop tests' and bench's job.
  const auto child = lg::test::spawn_loadgen(
      LOADGEN_BINARY,
      {scenario.string(), "--quiet", "--max-lag", "100ms", "--out", out_dir.string()}, stdout_file);
  Outcome o;
  o.code = child.wait();
  o.out = lg::test::read_file(stdout_file);
  const auto text = lg::test::read_file(out_dir / "result.json");
  REQUIRE_FALSE(text.empty());
  o.result = nlohmann::json::parse(text);
  return o;
}

nlohmann::json smoke() {
  return nlohmann::json::parse(lg::test::read_file("scenarios/smoke.json"));
}

}  // namespace

TEST_CASE("gate: smoke.json passes every check on the embedded stack", "[stack]") {
  TempDir tmp;
  const auto o = run_scenario(tmp, "scenarios/smoke.json");
  INFO(o.out);
  CHECK(o.code == 0);
  CHECK(o.result["passed"] == true);
  std::size_t steps_judged = 0;
  for (const auto& c : o.result["checks"]) {
    INFO(c.dump());
    CHECK(c["passed"] == true);
    if (c["name"] == "p95 < 1s" && c["scope"] != "run") ++steps_judged;
  }
  CHECK(steps_judged == 2);  // the two measured steps; the warm-up is not judged
  CHECK(o.out.find("PASS balance <= 1.5") != std::string::npos);
  CHECK(o.out.find("FAIL") == std::string::npos);
  // The replica count came from the load balancer: 2 in every second it was read.
  std::size_t known = 0;
  for (const auto& p : o.result["timeline"]) {
    if (p["replicas"].is_null()) continue;
    CHECK(p["replicas"] == 2);
    ++known;
  }
  CHECK(known >= 20);
}

TEST_CASE("gate: an endpoint that errors fails the error-rate check and exits 1", "[stack]") {
  TempDir tmp;
  auto s = smoke();
  s["name"] = "smoke-broken";
  s["requests"][2]["path"] = "/api/missing";  // 404: an http_4xx error
  s["requests"][2]["weight"] = 4;             // 4 of 13 requests: about 31 % errors
  const auto file = tmp.path() / "broken.json";
  lg::test::write_file(file, s.dump());
  const auto o = run_scenario(tmp, file);
  INFO(o.out);
  CHECK(o.code == 1);
  CHECK(o.result["passed"] == false);
  std::vector<std::string> failed;
  for (const auto& c : o.result["checks"]) {
    if (c["passed"] == false)
      failed.push_back(c["name"].get<std::string>() + "@" + c["scope"].get<std::string>());
    if (c["name"] == "target_reachable" || c["name"] == "generator_schedule")
      CHECK(c["passed"] == true);  // the environment was fine: this is an SLO failure
  }
  CHECK(failed.size() == 3);  // error_rate in both measured steps and over the run
  for (const auto& f : failed) CHECK(f.starts_with("error_rate < 0.05@"));
  CHECK(o.out.find("FAILED error_rate < 0.05 (run)") != std::string::npos);
}
