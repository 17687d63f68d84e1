// End-to-end runs of the loadgen binary against the in-process loopback test server:
// exit codes, result.json on disk, and the interrupt path (SIGINT -> 130, partial result).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/test_server.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Child {
  pid_t pid = -1;
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

Child spawn(std::vector<std::string> args) {
  args.insert(args.begin(), LOADGEN_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  Child c;
  REQUIRE(posix_spawn(&c.pid, LOADGEN_BINARY, &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

fs::path fresh_dir(const std::string& name) {
  auto d =
      fs::temp_directory_path() / ("loadgen-cli-test-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(d);
  return d;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::string url(const lg::test::TestServer& s, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(s.port()) + path;
}

}  // namespace

TEST_CASE("cli: an ad hoc open-loop run exits 0 and writes result.json", "[cli]") {
  lg::test::TestServer server;
  const auto out = fresh_dir("ok");
  auto c = spawn({url(server), "--rate", "200/s", "--duration", "500ms", "--threads", "1",
                  "--quiet", "--out", out.string()});
  REQUIRE(c.wait() == 0);
  const auto r = read_json(out / "result.json");
  CHECK(r["schema_version"] == 1);
  CHECK(r["passed"] == true);
  CHECK(r["summary"]["completed"] == 100);
  CHECK(r["summary"]["responses"] == 100);
  CHECK(server.requests() == 100);
  fs::remove_all(out);
}

TEST_CASE("cli: an unreachable target exits 3 and says so", "[cli]") {
  lg::test::TestServer refusing(lg::test::ServerOptions{.refuse = true});
  const auto out = fresh_dir("unreachable");
  auto c = spawn(
      {url(refusing), "--rate", "50/s", "--duration", "200ms", "--quiet", "--out", out.string()});
  REQUIRE(c.wait() == 3);
  const auto r = read_json(out / "result.json");
  CHECK(r["passed"] == false);
  CHECK(r["summary"]["errors"]["connect"] == 10);
  bool named = false;
  for (const auto& check : r["checks"]) {
    named = named || (check["name"] == "target_reachable" && check["passed"] == false);
  }
  CHECK(named);
  fs::remove_all(out);
}

TEST_CASE("cli: SIGINT stops the run, writes the partial result, exits 130", "[cli][signal]") {
  lg::test::TestServer server;
  const auto out = fresh_dir("sigint");
  auto c = spawn(
      {url(server), "--rate", "200/s", "--duration", "60s", "--quiet", "--out", out.string()});
  // Interrupt once the run is demonstrably under way (the server has seen 100 requests).
  REQUIRE(server.wait_until([&] { return server.requests() >= 100; }, std::chrono::seconds(10)));
  kill(c.pid, SIGINT);
  REQUIRE(c.wait() == 130);
  const auto r = read_json(out / "result.json");
  CHECK(r["interrupted"] == true);
  CHECK(r["passed"] == false);
  CHECK(r["summary"]["completed"].get<int>() >= 100);
  CHECK(r["duration_s"].get<double>() < 30.0);
  CHECK(r["generator"]["clean_shutdown"] == true);
  fs::remove_all(out);
}

TEST_CASE("cli: a failed SLO exits 1 and names the failed check", "[cli]") {
  lg::test::TestServer server;
  const auto dir = fresh_dir("slo");
  fs::create_directories(dir);
  const auto scenario = dir / "tight.json";
  std::ofstream(scenario) << R"({"schema_version": 1, "name": "tight", "target": ")" << url(server)
                          << R"(", "steps": [{"rate": "100/s", "duration": "500ms"}],
      "slo": {"error_rate": 0.05, "checks": ["p50 < 1us"]}})";
  const auto out = dir / "out";
  auto c = spawn({scenario.string(), "--threads", "1", "--quiet", "--out", out.string()});
  REQUIRE(c.wait() == 1);
  const auto r = read_json(out / "result.json");
  CHECK(r["passed"] == false);
  int failed = 0, passed = 0;
  for (const auto& check : r["checks"]) {
    if (check["passed"] == false) {
      ++failed;
      CHECK(check["name"].get<std::string>().find("p50") != std::string::npos);
    } else {
      ++passed;
    }
  }
  CHECK(failed == 2);  // step 1 and the whole run
  CHECK(passed >= 2);  // error rate per step and per run, and the generator checks
  fs::remove_all(dir);
}

TEST_CASE("cli: validate re-judges a stored result with its own SLOs or a scenario's", "[cli]") {
  lg::test::TestServer server;
  const auto dir = fresh_dir("validate");
  fs::create_directories(dir);
  const auto write_scenario = [&](const std::string& name, const std::string& checks) {
    const auto file = dir / name;
    std::ofstream(file) << R"({"schema_version": 1, "name": "v", "target": ")" << url(server)
                        << R"(", "steps": [{"rate": "100/s", "duration": "1s", "warmup": true},
        {"rate": "100/s", "duration": "1s"}], "slo": {"checks": [)"
                        << checks << "]}}";
    return file;
  };
  const auto loose = write_scenario("loose.json", R"("p50 < 10s", "run: rps >= 50")");
  const auto tight = write_scenario("tight.json", R"("p50 < 1us")");
  const auto out = dir / "out";
  REQUIRE(spawn({loose.string(), "--threads", "1", "--quiet", "--out", out.string()}).wait() == 0);
  const auto result = (out / "result.json").string();
  CHECK(spawn({"validate", result}).wait() == 0);
  CHECK(spawn({"validate", out.string()}).wait() == 0);  // the folder works too
  CHECK(spawn({"validate", result, "--scenario", tight.string()}).wait() == 1);
  // A scenario with other steps does not describe this run: invalid input.
  const auto other = dir / "other.json";
  std::ofstream(other) << R"({"schema_version": 1, "name": "v", "target": ")" << url(server)
                       << R"(", "steps": [{"rate": "100/s", "duration": "2s"}]})";
  CHECK(spawn({"validate", result, "--scenario", other.string()}).wait() == 2);
  // A damaged result is invalid input, not a failed SLO.
  const auto broken = dir / "broken.json";
  auto doc = read_json(out / "result.json");
  doc["steps"][1]["histograms"]["latency"] = "not a histogram";
  std::ofstream(broken) << doc.dump();
  CHECK(spawn({"validate", broken.string()}).wait() == 2);
  fs::remove_all(dir);
}
