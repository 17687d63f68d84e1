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

TEST_CASE("gate: smoke-tls.json passes over HAProxy's HTTPS frontend, trusting its certificate",
          "[stack]") {
  TempDir tmp;
  const auto o = run_scenario(tmp, "scenarios/smoke-tls.json");
  INFO(o.out);
  CHECK(o.code == 0);
  CHECK(o.result["passed"] == true);
  for (const auto& c : o.result["checks"]) {
    INFO(c.dump());
    CHECK(c["passed"] == true);
  }
  CHECK(o.result["scenario"]["target"].get<std::string>().starts_with("https://127.0.0.1:"));
  CHECK(o.result["scenario"]["stack"]["tls"]["enabled"] == true);
  CHECK(o.result["scenario"]["stack"]["tls"]["redirect"] == true);
  const auto& s = o.result["summary"];
  // Every connection did a handshake; keep-alive means far fewer of them than requests.
  CHECK(s["handshakes"].get<std::uint64_t>() >= 1);
  CHECK(s["handshakes"] == s["connects"]);
  CHECK(s["handshakes"].get<std::uint64_t>() * 20 < s["completed"].get<std::uint64_t>());
  CHECK(s["errors"]["tls"] == 0);
  CHECK(s["completed"] == s["scheduled"]);
}

TEST_CASE("gate: rate-limit.json: no 429 below the per-IP rate, 429s above it, nothing else",
          "[stack]") {
  TempDir tmp;
  const auto o = run_scenario(tmp, "scenarios/rate-limit.json");
  INFO(o.out);
  CHECK(o.code == 0);
  const auto& limits = o.result["scenario"]["stack"]["limits"];
  REQUIRE(limits["enabled"] == true);
  const double rate = limits["rate"].get<double>();
  const double burst = limits["burst"].get<double>();
  const auto& steps = o.result["steps"];
  REQUIRE(steps.size() == 2);
  // Step 1 asks for less than the rate: all of it is served.
  CHECK(steps[0]["errors"]["http_429"] == 0);
  CHECK(steps[0]["completed"] == steps[0]["scheduled"]);
  // Step 2 asks for 3x the rate: about the rate is served (at most rate + burst in any
  // second), the rest is refused with 429 and nothing fails otherwise.
  const auto& s2 = steps[1];
  const double seconds = s2["end_s"].get<double>() - s2["start_s"].get<double>();
  const double served = s2["completed"].get<double>() / seconds;
  CHECK(served >= 0.75 * rate);
  CHECK(served <= rate + burst);
  CHECK(s2["errors"]["http_429"].get<double>() >= 0.4 * s2["scheduled"].get<double>());
  CHECK(s2["completed"].get<std::uint64_t>() + s2["errors"]["http_429"].get<std::uint64_t>() ==
        s2["scheduled"].get<std::uint64_t>());
}

namespace {

// The seconds of the timeline from `from` to `to` (inclusive).
std::vector<nlohmann::json> seconds_between(const nlohmann::json& result, int from, int to) {
  std::vector<nlohmann::json> out;
  for (const auto& p : result["timeline"])
    if (p["t"].get<int>() >= from && p["t"].get<int>() <= to) out.push_back(p);
  return out;
}

// Whether a process of the fault proxy with this control port is still alive.
bool fault_proxy_alive(std::uint16_t control) {
  const std::string needle = std::string("--control") + '\0' + std::to_string(control) + '\0';
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto cmd = lg::test::read_file(e.path() / "cmdline");
    if (cmd.find("loadgen-faultproxy") != std::string::npos &&
        cmd.find(needle) != std::string::npos)
      return true;
  }
  return false;
}

std::uint16_t stack_port(const nlohmann::json& result) {
  const auto url = result["scenario"]["target"].get<std::string>();  // http://127.0.0.1:P
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

}  // namespace

TEST_CASE("gate: chaos.json: a killed replica, a paused database and a slow replica, absorbed",
          "[stack]") {
  TempDir tmp;
  const auto o = run_scenario(tmp, "scenarios/chaos.json");
  INFO(o.out);
  CHECK(o.code == 0);
  for (const auto& c : o.result["checks"]) {
    INFO(c.dump());
    CHECK(c["passed"] == true);
  }
  // Every fault fired and did what it says: 3 faults, 5 actions (the pause's resume, the
  // latency's clear), the latency through the fault proxy.
  const auto& actions = o.result["actions"];
  REQUIRE(actions.size() == 5);
  for (const auto& a : actions) {
    INFO(a.dump());
    CHECK(a["ok"] == true);
  }
  CHECK(actions[3]["outcome"].get<std::string>().find("proxy route") != std::string::npos);
  // Ground truth of the faults in the latencies: while replica 1 answered 200 ms late, p99 of
  // each whole second was above 200 ms (a third of the requests went there), and the database
  // pause held requests for up to its 2 s (queued, none timed out at 5 s).
  for (const auto& p : seconds_between(o.result, 81, 94)) CHECK(p["p99_ms"].get<double>() > 200);
  double pause_max = 0;
  for (const auto& p : seconds_between(o.result, 50, 55))
    pause_max = std::max(pause_max, p["p99_ms"].get<double>());
  CHECK(pause_max > 1500);
  CHECK(o.result["summary"]["errors"]["timeout"] == 0);
  // Teardown: the fault proxy went with the stack.
  CHECK_FALSE(fault_proxy_alive(static_cast<std::uint16_t>(stack_port(o.result) + 5)));
}

TEST_CASE("gate: every replica and the autoscaler killed fails the recovery checks, exit 1",
          "[stack]") {
  TempDir tmp;
  const auto o = run_scenario(tmp, "scenarios/chaos-unrecoverable.json");
  INFO(o.out);
  CHECK(o.code == 1);
  CHECK(o.result["passed"] == false);
  std::vector<std::string> failed;
  for (const auto& c : o.result["checks"]) {
    if (c["passed"] == false) failed.push_back(c["name"].get<std::string>());
    if (c["name"] == "generator_schedule") CHECK(c["passed"] == true);
  }
  CHECK(failed == std::vector<std::string>{"recovers within 10s of fault 4",
                                           "replaced within 10s of fault 4"});
  CHECK(o.out.find("FAILED recovers within 10s of fault 4 (run)") != std::string::npos);
  for (const auto& a : o.result["actions"]) CHECK(a["ok"] == true);  // the kills all landed
}
