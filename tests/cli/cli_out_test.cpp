// The binary and its --out folder (issue 18): proven writable before the first request, not
// overwritten unless asked, locked against a second run, and a result that cannot go there at
// the end goes to a fallback file with the verdict still printed. Then --slo as a gate on URL
// and scenario runs. Against the in-process loopback test server; no sleeps, only polling.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "loadgen/app/out_dir.h"
#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string url(const lg::test::TestServer& s, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(s.port()) + path;
}

// A quiet run of 100 requests/s for 300 ms (30 requests) on one thread, its result in `out`.
std::vector<std::string> short_run(const lg::test::TestServer& server, const fs::path& out) {
  return {url(server), "--rate", "100/s",   "--duration", "300ms",
          "--threads", "1",      "--quiet", "--out",      out.string()};
}

// Not about the schedule: a busy CI machine must not turn these runs into exit 3.
std::vector<std::string> with_lag(std::vector<std::string> args) {
  args.insert(args.end(), {"--max-lag", "1s"});
  return args;
}

struct Outcome {
  int code = -1;
  std::string log;  // stdout and stderr
  double seconds = 0;
};

Outcome run(const std::vector<std::string>& args, const fs::path& log) {
  const auto t0 = Clock::now();
  auto [code, text] = lg::test::run_loadgen_logged(LOADGEN_BINARY, with_lag(args), log);
  return {code, std::move(text), std::chrono::duration<double>(Clock::now() - t0).count()};
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// The check names in a result, failed ones and passed ones.
std::pair<std::vector<std::string>, std::vector<std::string>> checks_of(const nlohmann::json& r) {
  std::vector<std::string> failed, passed;
  for (const auto& c : r["checks"])
    (c["passed"] == true ? passed : failed).push_back(c["name"].get<std::string>());
  return {failed, passed};
}

bool any_contains(const std::vector<std::string>& names, const std::string& part) {
  for (const auto& n : names)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("cli out: an --out that cannot be created fails at once, before any request",
          "[cli][out]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const auto plain = tmp.path() / "plain-file";
  std::ofstream(plain) << "not a folder";
  const std::vector<std::pair<fs::path, std::string>> cases = {
      {"/proc/loadgen-cli-test/out", "No such file or directory"},
      {plain, "Not a directory"},
      {plain / "sub", "Not a directory"},
  };
  for (const auto& [out, errno_text] : cases) {
    INFO(out);
    // A 30 s run: it must not run at all.
    const auto o =
        run({url(server), "--rate", "100/s", "--duration", "30s", "--quiet", "--out", out.string()},
            tmp.path() / "log.txt");
    INFO(o.log);
    CHECK(o.code == 3);
    CHECK(o.seconds < 5.0);  // "within a second" on an idle machine; CI shares 2 cores
    CHECK_THAT(o.log, Catch::Matchers::Contains("--out " + out.string()));
    CHECK_THAT(o.log, Catch::Matchers::Contains(errno_text));
  }
  CHECK(server.requests() == 0);
  CHECK(server.connections() == 0);
  CHECK(lg::test::read_file(plain) == "not a folder");
}

TEST_CASE("cli out: an existing result.json is kept unless --overwrite", "[cli][out]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const auto out = tmp.path() / "out";
  fs::create_directories(out);
  const std::string old = "{\"an\": \"earlier run\"}\n";
  std::ofstream(out / "result.json") << old;
  const auto args = short_run(server, out);
  const auto refused = run(args, tmp.path() / "refused.log");
  INFO(refused.log);
  CHECK(refused.code == 2);
  CHECK_THAT(refused.log, Catch::Matchers::Contains("already holds a result"));
  CHECK_THAT(refused.log, Catch::Matchers::Contains("--overwrite"));
  CHECK(lg::test::read_file(out / "result.json") == old);
  CHECK(server.requests() == 0);

  auto again = args;
  again.push_back("--overwrite");
  const auto replaced = run(again, tmp.path() / "replaced.log");
  INFO(replaced.log);
  REQUIRE(replaced.code == 0);
  const auto r = read_json(out / "result.json");
  CHECK(r["summary"]["completed"] == 30);
  CHECK(fs::exists(out / "report.html"));
  // Nothing of the claim is left behind: no lock, no probe.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"report.html", "result.json"});
}

TEST_CASE("cli out: a folder locked by another process is refused naming its pid", "[cli][out]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const auto out = tmp.path() / "out";
  fs::create_directories(out);
  // As a running loadgen holds it: flock on DIR/.loadgen.lock, with the pid inside.
  const auto lock_path = out / lg::app::kOutLockFile;
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const auto pid = std::to_string(::getpid()) + "\n";
  REQUIRE(::write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size()));
  const auto args = short_run(server, out);
  const auto refused = run(args, tmp.path() / "refused.log");
  INFO(refused.log);
  CHECK(refused.code == 2);
  CHECK_THAT(refused.log, Catch::Matchers::Contains("(pid " + std::to_string(::getpid()) + ","));
  CHECK(server.requests() == 0);
  CHECK_FALSE(fs::exists(out / "result.json"));
  ::close(fd);  // released: the next run may write
  const auto ok = run(args, tmp.path() / "ok.log");
  INFO(ok.log);
  CHECK(ok.code == 0);
  CHECK(fs::exists(out / "result.json"));
}

TEST_CASE("cli out: a folder gone at the end: verdict printed, result in the fallback, exit 3",
          "[cli][out]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const auto out = tmp.path() / "out";
  const auto log = tmp.path() / "run.log";
  auto child = lg::test::spawn_loadgen(LOADGEN_BINARY,
                                       with_lag({url(server), "--rate", "100/s", "--duration", "2s",
                                                 "--threads", "1", "--out", out.string()}),
                                       log, true);
  // Once requests arrive the folder has been claimed; then it is swapped for a plain file.
  REQUIRE(server.wait_until([&] { return server.requests() >= 20; }, std::chrono::seconds(10)));
  fs::rename(out, tmp.path() / "moved");
  std::ofstream(out) << "in the way";
  const int code = child.wait();
  const auto text = lg::test::read_file(log);
  INFO(text);
  CHECK(code == 3);
  CHECK_THAT(text, Catch::Matchers::Contains("target/s"));  // the step table
  CHECK_THAT(text, Catch::Matchers::Contains("\ntotal "));
  CHECK_THAT(text, Catch::Matchers::Contains("verdict:"));
  CHECK_THAT(text, Catch::Matchers::Contains("PASS target_reachable"));
  CHECK_THAT(text, Catch::Matchers::Contains("result.json not written to --out " + out.string()));
  const auto at = text.find("result: ");
  REQUIRE(at != std::string::npos);
  const auto end = text.find(" (fallback)", at);
  REQUIRE(end != std::string::npos);
  const fs::path fallback = text.substr(at + 8, end - at - 8);
  CHECK(fallback.parent_path() == fs::temp_directory_path());
  CHECK(fallback.filename().string().starts_with("loadgen-result-" + std::to_string(child.pid)));
  CHECK_THAT(text, Catch::Matchers::Contains("written to the fallback " + fallback.string()));
  REQUIRE(fs::exists(fallback));
  const auto r = read_json(fallback);
  fs::remove(fallback);
  CHECK(r["summary"]["completed"] == 200);
  CHECK(lg::test::read_file(out) == "in the way");
}

TEST_CASE("cli slo: --slo gates a URL run", "[cli][slo]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const std::vector<std::string> base = {url(server), "--rate",    "100/s", "--duration",
                                         "500ms",     "--threads", "1",     "--quiet"};
  auto tight = base;
  tight.insert(tight.end(), {"--slo", "p99 < 1us", "--out", (tmp.path() / "tight").string()});
  const auto failed = run(tight, tmp.path() / "tight.log");
  INFO(failed.log);
  CHECK(failed.code == 1);
  const auto [bad, good] = checks_of(read_json(tmp.path() / "tight" / "result.json"));
  CHECK(any_contains(bad, "p99"));
  CHECK(bad.size() == 2);  // the step and the run
  CHECK(read_json(tmp.path() / "tight" / "result.json")["scenario"]["slo"] ==
        nlohmann::json::array({"p99 < 1us"}));

  auto loose = base;
  loose.insert(loose.end(), {"--slo", "p99 < 10s", "--slo", "error_rate < 1%", "--slo",
                             "run: rps >= 50", "--out", (tmp.path() / "loose").string()});
  const auto passed = run(loose, tmp.path() / "loose.log");
  INFO(passed.log);
  CHECK(passed.code == 0);
  const auto [bad2, good2] = checks_of(read_json(tmp.path() / "loose" / "result.json"));
  CHECK(bad2.empty());
  for (const char* name : {"p99", "error_rate", "rps"}) CHECK(any_contains(good2, name));
  // The stored result re-judges with the same SLOs.
  CHECK(lg::test::spawn_loadgen(LOADGEN_BINARY,
                                {"validate", (tmp.path() / "loose" / "result.json").string()})
            .wait() == 0);
}

TEST_CASE("cli slo: --slo adds to a scenario's checks; stack SLOs need the stack", "[cli][slo]") {
  lg::test::TestServer server;
  lg::test::TempDir tmp;
  const auto scenario = tmp.path() / "s.json";
  std::ofstream(scenario) << R"({"schema_version": 1, "name": "s", "target": ")" << url(server)
                          << R"(", "steps": [{"rate": "100/s", "duration": "500ms"}],
      "slo": {"checks": ["p50 < 10s"]}})";
  const auto out = tmp.path() / "out";
  const auto tight = run(
      {scenario.string(), "--threads", "1", "--quiet", "--slo", "p99 < 1us", "--out", out.string()},
      tmp.path() / "tight.log");
  INFO(tight.log);
  CHECK(tight.code == 1);
  const auto r = read_json(out / "result.json");
  CHECK(r["scenario"]["slo"] == nlohmann::json::array({"p50 < 10s", "p99 < 1us"}));
  const auto [bad, good] = checks_of(r);
  CHECK(any_contains(bad, "p99"));
  CHECK(any_contains(good, "p50"));

  // The scenario has a target: no embedded stack to judge.
  const auto stack = run({scenario.string(), "--quiet", "--slo", "scale_errors == 0", "--out",
                          (tmp.path() / "stack").string()},
                         tmp.path() / "stack.log");
  INFO(stack.log);
  CHECK(stack.code == 2);
  CHECK_THAT(stack.log,
             Catch::Matchers::Contains("--slo 'scale_errors == 0': judges the embedded"));
  CHECK_FALSE(fs::exists(tmp.path() / "stack"));
  CHECK(server.requests() == 50);  // only the first run's
}
