// End-to-end runs of the loadgen binary against the in-process loopback test server:
// exit codes, result.json on disk, and the interrupt path (SIGINT -> 130, partial result).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "loadgen/core/histogram.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/test_server.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

using Child = lg::test::LoadgenChild;

// Runs that are not about the generator's schedule get a lenient --max-lag: a busy CI machine
// can delay a send by tens of ms, which would make them exit 3 (generator saturated).
void lenient_lag(std::vector<std::string>& args) {
  static const std::vector<std::string> kSubcommands = {"validate", "report", "compare", "merge"};
  if (args.empty() ||
      std::find(kSubcommands.begin(), kSubcommands.end(), args[0]) != kSubcommands.end())
    return;
  if (std::find(args.begin(), args.end(), "--max-lag") != args.end()) return;
  args.insert(args.end(), {"--max-lag", "1s"});
}

Child spawn(std::vector<std::string> args) {
  lenient_lag(args);
  return lg::test::spawn_loadgen(LOADGEN_BINARY, std::move(args));
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

// Writes a scenario named `name` aimed at `server` to `file`; `rest` is the document after its
// "target" key, from the comma on, closing brace included.
fs::path write_scenario(const fs::path& file, const std::string& name,
                        const lg::test::TestServer& server, const std::string& rest) {
  std::ofstream(file) << R"({"schema_version": 1, "name": ")" << name << R"(", "target": ")"
                      << url(server) << '"' << rest;
  return file;
}

// A scenario run in a fresh folder `dir`: the scenario `name` (see write_scenario) in
// dir/<name>.json, run on one thread with its result in `out` (dir/out). The caller removes dir.
struct ScenarioRun {
  fs::path dir;
  fs::path out;
  int code = -1;  // loadgen's exit status
};

ScenarioRun run_scenario(const std::string& name, const lg::test::TestServer& server,
                         const std::string& rest) {
  const auto dir = fresh_dir(name);
  ScenarioRun run{.dir = dir, .out = dir / "out"};
  fs::create_directories(run.dir);
  const auto scenario = write_scenario(run.dir / (name + ".json"), name, server, rest);
  run.code =
      spawn({scenario.string(), "--threads", "1", "--quiet", "--out", run.out.string()}).wait();
  return run;
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
  const auto run =
      run_scenario("tight", server, R"(, "steps": [{"rate": "100/s", "duration": "500ms"}],
      "slo": {"error_rate": 0.05, "checks": ["p50 < 1us"]}})");
  REQUIRE(run.code == 1);
  const auto r = read_json(run.out / "result.json");
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
  fs::remove_all(run.dir);
}

TEST_CASE("cli: a scenario's timed noop action is in result.json", "[cli][actions]") {
  lg::test::TestServer server;
  const auto run =
      run_scenario("noop", server, R"(, "steps": [{"rate": "100/s", "duration": "600ms"}],
      "actions": [{"at": "200ms", "kind": "noop", "target": "replica-x"}]})");
  REQUIRE(run.code == 0);
  const auto r = read_json(run.out / "result.json");
  REQUIRE(r["actions"].size() == 1);
  const auto& a = r["actions"][0];
  CHECK(a["kind"] == "noop");
  CHECK(a["target"] == "replica-x");
  CHECK(a["at_s"] == 0.2);
  REQUIRE(a["fired_s"].is_number());
  CHECK(a["fired_s"].get<double>() >= 0.2);
  CHECK(a["fired_s"].get<double>() < 0.2 + 0.5);  // on time, give or take a busy machine
  CHECK(a["ok"] == true);
  CHECK(a["outcome"] == "done");
  fs::remove_all(run.dir);
}

TEST_CASE("cli: validate re-judges a stored result with its own SLOs or a scenario's", "[cli]") {
  lg::test::TestServer server;
  const auto dir = fresh_dir("validate");
  fs::create_directories(dir);
  const auto with_checks = [&](const std::string& file, const std::string& checks) {
    return write_scenario(dir / file, "v", server,
                          R"(, "steps": [{"rate": "100/s", "duration": "1s", "warmup": true},
        {"rate": "100/s", "duration": "1s"}], "slo": {"checks": [)" +
                              checks + "]}}");
  };
  const auto loose = with_checks("loose.json", R"("p50 < 10s", "run: rps >= 50")");
  const auto tight = with_checks("tight.json", R"("p50 < 1us")");
  const auto out = dir / "out";
  REQUIRE(spawn({loose.string(), "--threads", "1", "--quiet", "--out", out.string()}).wait() == 0);
  const auto result = (out / "result.json").string();
  CHECK(spawn({"validate", result}).wait() == 0);
  CHECK(spawn({"validate", out.string()}).wait() == 0);  // the folder works too
  CHECK(spawn({"validate", result, "--scenario", tight.string()}).wait() == 1);
  // A scenario with other steps does not describe this run: invalid input.
  const auto other = write_scenario(dir / "other.json", "v", server,
                                    R"(, "steps": [{"rate": "100/s", "duration": "2s"}]})");
  CHECK(spawn({"validate", result, "--scenario", other.string()}).wait() == 2);
  // A damaged result is invalid input, not a failed SLO.
  const auto broken = dir / "broken.json";
  auto doc = read_json(out / "result.json");
  doc["steps"][1]["histograms"]["latency"] = "not a histogram";
  std::ofstream(broken) << doc.dump();
  CHECK(spawn({"validate", broken.string()}).wait() == 2);
  fs::remove_all(dir);
}

TEST_CASE("cli: a run writes report.html beside result.json, and report re-renders it", "[cli]") {
  lg::test::TestServer server;
  const auto dir = fresh_dir("report");
  const auto out = dir / "run";
  REQUIRE(spawn({url(server), "--rate", "100/s", "--duration", "500ms", "--threads", "1", "--quiet",
                 "--out", out.string()})
              .wait() == 0);
  const auto report = out / "report.html";
  REQUIRE(fs::exists(report));
  const std::string page = lg::test::read_file(report);
  CHECK(page.find("Chart.js v3.9.1") != std::string::npos);
  CHECK(page.find("<div class=\"verdict-word\">PASS</div>") != std::string::npos);

  fs::remove(report);
  CHECK(spawn({"report", (out / "result.json").string()}).wait() == 0);  // beside the result
  CHECK(fs::exists(report));
  const auto elsewhere = dir / "pages" / "run.html";
  CHECK(spawn({"report", out.string(), "--html", elsewhere.string()}).wait() == 0);
  CHECK(fs::exists(elsewhere));
  // No result there: invalid input. A page that cannot be written: environment failure.
  CHECK(spawn({"report", (dir / "missing.json").string()}).wait() == 2);
  std::ofstream(dir / "plain") << "x";
  CHECK(spawn({"report", out.string(), "--html", (dir / "plain" / "r.html").string()}).wait() == 3);
  fs::remove_all(dir);
}

namespace {

// Runs loadgen with stdout and stderr into `log`; returns its exit code and the log's text.
std::pair<int, std::string> run_logged(std::vector<std::string> args, const fs::path& log) {
  lenient_lag(args);
  return lg::test::run_loadgen_logged(LOADGEN_BINARY, std::move(args), log);
}

lg::Histogram histogram_of(const nlohmann::json& node) {
  auto h = lg::Histogram::decode(node["histograms"]["latency"].get<std::string>());
  REQUIRE(h.has_value());
  return *h;
}

}  // namespace

// The arrivals of a sharded run are the whole run's, split by index (arrival k runs in shard
// k % 4), so every count must match exactly. Latencies are measured by other processes at
// other moments, so they agree only up to loopback noise: the exactness of the merge itself
// is checked on the histograms (the merged one equals the shards' merged here), and the
// merged p50 is compared with the whole run's within a generous bound.
TEST_CASE("cli: four shards started together merge to the whole run's counts", "[cli][merge]") {
  lg::test::TestServer server;
  const auto dir = fresh_dir("shards");
  fs::create_directories(dir);
  const auto scenario = write_scenario(dir / "sharded.json", "sharded", server,
                                       R"(, "arrival": "constant", "seed": 11,
      "steps": [{"rate": "100/s", "duration": "2s"}, {"rate": "200/s", "duration": "1s"}]})");
  const int whole_code =
      spawn({scenario.string(), "--threads", "2", "--quiet", "--out", (dir / "whole").string()})
          .wait();
  const auto whole = read_json(dir / "whole" / "result.json");
  REQUIRE(whole_code == 0);

  // A common start 1.5 s ahead, as unix seconds with decimals.
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto start_ms = now_ms + 1'500;
  char start_at[32];
  std::snprintf(start_at, sizeof start_at, "%lld.%03lld", static_cast<long long>(start_ms / 1000),
                static_cast<long long>(start_ms % 1000));
  std::vector<Child> shards;
  std::vector<std::string> shard_dirs;
  for (int i = 1; i <= 4; ++i) {
    shard_dirs.push_back((dir / ("shard-" + std::to_string(i))).string());
    if (i == 1) continue;  // run below, with its stderr kept
    shards.push_back(spawn({scenario.string(), "--shard", std::to_string(i) + "/4", "--start-at",
                            start_at, "--threads", "1", "--quiet", "--out", shard_dirs.back()}));
  }
  const auto first = run_logged({scenario.string(), "--shard", "1/4", "--start-at", start_at,
                                 "--threads", "1", "--out", shard_dirs[0]},
                                dir / "shard-1.log");
  CHECK_THAT(first.second, Catch::Matchers::Contains("loadgen: waiting "));
  std::vector<int> codes{first.first};
  for (auto& c : shards) codes.push_back(c.wait());
  for (std::size_t i = 0; i < shard_dirs.size(); ++i) {
    const auto r = read_json(fs::path(shard_dirs[i]) / "result.json");
    CHECK(codes[i] == 0);
    const auto started = r["started_unix_ms"].get<double>();
    CHECK(started >= static_cast<double>(start_ms));  // waited for the instant
    CHECK(started < static_cast<double>(start_ms) + 1'000);
  }

  const auto merged_path = dir / "merged.json";
  std::vector<std::string> merge_args{"merge", merged_path.string()};
  merge_args.insert(merge_args.end(), shard_dirs.begin(), shard_dirs.end());
  const auto merge = run_logged(merge_args, dir / "merge.log");
  INFO(merge.second);
  REQUIRE(merge.first == 0);
  CHECK(fs::exists(dir / "merged.html"));  // the merged run's report, beside merged.json
  CHECK_THAT(merge.second, Catch::Matchers::Contains("merged 4 shard(s) of sharded"));

  const auto merged = read_json(merged_path);
  CHECK(merged["scenario"]["shard"]["count"] == 1);
  REQUIRE(merged["steps"].size() == 2);
  for (const char* key : {"scheduled", "sent", "completed", "responses", "failed", "dropped"}) {
    INFO(key);
    CHECK(merged["summary"][key] == whole["summary"][key]);
    for (std::size_t i = 0; i < 2; ++i) CHECK(merged["steps"][i][key] == whole["steps"][i][key]);
  }
  CHECK(merged["summary"]["completed"] == 400);
  CHECK(merged["steps"][0]["completed"] == 200);
  CHECK(merged["steps"][0]["target_rate"] == whole["steps"][0]["target_rate"]);
  CHECK(merged["steps"][1]["achieved_rate"].get<double>() ==
        Approx(whole["steps"][1]["achieved_rate"].get<double>()).epsilon(0.01));
  std::uint64_t per_second = 0;
  for (const auto& t : merged["timeline"]) per_second += t["sent"].get<std::uint64_t>();
  CHECK(per_second == 400);

  // Exact: the merged histogram is the shards' histograms merged, count for count.
  lg::Histogram expected;
  for (const auto& d : shard_dirs) {
    expected.merge(histogram_of(read_json(fs::path(d) / "result.json")["summary"]));
  }
  const auto merged_hist = histogram_of(merged["summary"]);
  CHECK(merged_hist == expected);
  CHECK(merged_hist.total_count() == histogram_of(whole["summary"]).total_count());
  // Noise, not precision: two measurements of a loopback server, a few hundred us each.
  const double whole_p50 = whole["summary"]["latency_ms"]["p50"].get<double>();
  const double merged_p50 = merged["summary"]["latency_ms"]["p50"].get<double>();
  std::printf("sharded run: p50 whole %.3f ms, merged %.3f ms; p99 whole %.3f ms, merged %.3f ms\n",
              whole_p50, merged_p50, whole["summary"]["latency_ms"]["p99"].get<double>(),
              merged["summary"]["latency_ms"]["p99"].get<double>());
  CHECK(merged_p50 > 0);
  CHECK(std::abs(merged_p50 - whole_p50) <= 5.0 + whole_p50);

  // An incomplete set and an overlapping one are invalid input, naming what is wrong.
  const auto three =
      run_logged({"merge", (dir / "m3.json").string(), shard_dirs[0], shard_dirs[1], shard_dirs[3]},
                 dir / "m3.log");
  CHECK(three.first == 2);
  CHECK_THAT(three.second, Catch::Matchers::Contains("missing shard 3/4"));
  const auto twice = run_logged({"merge", (dir / "m2.json").string(), shard_dirs[0], shard_dirs[1],
                                 shard_dirs[1], shard_dirs[2], shard_dirs[3]},
                                dir / "m2.log");
  CHECK(twice.first == 2);
  CHECK_THAT(twice.second, Catch::Matchers::Contains("are both shard 2/4"));
  CHECK_FALSE(fs::exists(dir / "m3.json"));
  fs::remove_all(dir);
}
