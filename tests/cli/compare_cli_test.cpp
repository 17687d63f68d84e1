// `loadgen compare` end to end: results made by real runs against the loopback test server,
// one of them slowed (the server holds every response for 400 ms once), then compared by the
// binary. Exit codes and what the output names (DESIGN.md section 5).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/files.h"
#include "tests/support/loadgen_process.h"
#include "tests/support/test_server.h"

extern char** environ;

using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

using lg::test::read_file;

struct Outcome {
  int code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// Runs loadgen with `args`, both output streams into `log`.
Outcome loadgen(std::vector<std::string> args, const fs::path& log) {
  auto [code, text] = lg::test::run_loadgen_logged(LOADGEN_BINARY, std::move(args), log);
  return {code, std::move(text)};
}

// The runs every test compares, made once: "base" and "candidate" of the same scenario (200/s
// for 1 s), the candidate against a server that stalls for 400 ms at the first request, and
// "other", a different schedule (500 ms).
struct Runs {
  fs::path dir;
  fs::path base, candidate, other;

  Runs() : dir(fs::temp_directory_path() / ("loadgen-compare-test-" + std::to_string(getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto scenario = write_scenario("s.json", "1s");
    const auto shorter = write_scenario("short.json", "500ms");
    lg::test::TestServer fast;
    lg::test::TestServer slow(lg::test::ServerOptions{.stall_after = 1, .stall_ms = 400});
    base = run(scenario, fast, "base");
    candidate = run(scenario, slow, "candidate");
    other = run(shorter, fast, "other");
  }
  ~Runs() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  Runs(const Runs&) = delete;
  Runs& operator=(const Runs&) = delete;

  fs::path write_scenario(const std::string& name, const std::string& duration) const {
    std::ofstream(dir / name)
        << R"({"schema_version": 1, "name": "cmp", "target": "http://127.0.0.1:9",
        "steps": [{"rate": "200/s", "duration": ")"
        << duration << R"("}]})";
    return dir / name;
  }

  fs::path run(const fs::path& scenario, const lg::test::TestServer& server,
               const std::string& name) const {
    const auto target = "http://127.0.0.1:" + std::to_string(server.port());
    const auto out = dir / name;
    const auto r = loadgen({scenario.string(), "--target", target, "--threads", "1", "--quiet",
                            "--max-lag", "1s", "--out", out.string()},
                           dir / (name + ".log"));
    INFO(r.output);
    // --max-lag 1s: these runs are not about the schedule, and a busy machine must not make
    // them exit 3.
    REQUIRE(r.code == 0);
    REQUIRE(fs::exists(out / "result.json"));
    return out / "result.json";
  }
};

const Runs& runs() {
  static const Runs r;
  return r;
}

}  // namespace

TEST_CASE("cli: compare a result with itself exits 0", "[cli][compare]") {
  const auto& r = runs();
  const auto out = loadgen({"compare", r.base.string(), r.base.string()}, r.dir / "self.log");
  INFO(out.output);
  CHECK(out.code == 0);
  CHECK_THAT(out.output, Contains("scope"));
  CHECK_THAT(out.output, Contains("compare: no regression: 10 metrics, 0 worse, 0 better"));
}

TEST_CASE("cli: compare against a slowed server exits 1 naming the metric", "[cli][compare]") {
  const auto& r = runs();
  const auto out = loadgen({"compare", r.base.string(), r.candidate.string()}, r.dir / "slow.log");
  INFO(out.output);
  CHECK(out.code == 1);
  CHECK_THAT(out.output, Contains("WORSE: candidate p95 is"));
  CHECK_THAT(out.output, Contains("slower than base in step 1: 200/s"));
  CHECK_THAT(out.output, Contains("compare: REGRESSION"));
  SECTION("the other way round, the candidate is better") {
    const auto back =
        loadgen({"compare", r.candidate.string(), r.base.string()}, r.dir / "back.log");
    CHECK(back.code == 0);
    CHECK_THAT(back.output, Contains("better: candidate p95 is"));
  }
  SECTION("a floor beyond the change makes it noise") {
    const auto floor = loadgen({"compare", r.base.string(), r.candidate.string(), "--floor", "10s"},
                               r.dir / "floor.log");
    CHECK(floor.code == 0);
  }
}

TEST_CASE("cli: compare two different schedules exits 2 naming the difference", "[cli][compare]") {
  const auto& r = runs();
  const auto out = loadgen({"compare", r.base.string(), r.other.string()}, r.dir / "other.log");
  INFO(out.output);
  CHECK(out.code == 2);
  CHECK_THAT(out.output, Contains("step 1: duration 1s vs 500ms"));
  const auto missing =
      loadgen({"compare", r.base.string(), (r.dir / "none.json").string()}, r.dir / "missing.log");
  CHECK(missing.code == 2);
  CHECK_THAT(missing.output, Contains("none.json: no such file"));
}

TEST_CASE("cli: compare --html writes one self-contained page", "[cli][compare]") {
  const auto& r = runs();
  const auto page = r.dir / "compare.html";
  const auto out =
      loadgen({"compare", r.base.string(), r.candidate.string(), "--html", page.string()},
              r.dir / "html.log");
  INFO(out.output);
  CHECK(out.code == 1);  // the page does not change the verdict
  const auto html = read_file(page);
  const auto chart_js = html.find("Chart.js v3.9.1");
  REQUIRE(chart_js != std::string::npos);
  // Chart.js's own licence banner names its home page; nothing else may point at the network.
  const auto script_start = html.rfind("<script>", chart_js);
  const auto script_end = html.find("</script>", chart_js);
  REQUIRE(script_start != std::string::npos);
  REQUIRE(script_end != std::string::npos);
  const auto rest = html.substr(0, script_start) + html.substr(script_end);
  CHECK(rest.find("http://") == std::string::npos);
  CHECK(rest.find("https://") == std::string::npos);
  CHECK(html.find(" src=") == std::string::npos);
  CHECK_THAT(html, Contains("<script type=\"application/json\" id=\"lg-data\">"));
  CHECK_THAT(html, Contains("candidate p95 is"));
}

TEST_CASE("cli: compare --history flags the newest release and skips what it cannot use",
          "[cli][compare]") {
  const auto& r = runs();
  const auto dir = r.dir / "history";
  fs::create_directories(dir / "v1.9.0");
  fs::copy_file(r.base, dir / "v1.9.0" / "result.json");
  fs::copy_file(r.base, dir / "v1.10.0.json");
  fs::copy_file(r.candidate, dir / "v1.10.1.json");
  fs::copy_file(r.other, dir / "v1.10.2.json");
  const auto page = r.dir / "history.html";
  auto out = loadgen({"compare", "--history", dir.string(), "--html", page.string()},
                     r.dir / "history.log");
  INFO(out.output);
  CHECK(out.code == 1);
  CHECK_THAT(out.output, Contains("v1.10.2.json: skipped"));
  CHECK_THAT(out.output, Contains("natural version order (v1.9.0 < v1.10.0 < v1.10.1)"));
  CHECK_THAT(out.output, Contains("REGRESSION: the newest release v1.10.1 is worse than v1.10.0"));
  CHECK_THAT(read_file(page), Contains("Chart.js v3.9.1"));

  fs::remove(dir / "v1.10.0.json");
  fs::remove(dir / "v1.10.1.json");
  out = loadgen({"compare", "--history", dir.string()}, r.dir / "history2.log");
  CHECK(out.code == 2);  // one usable result is no history
  CHECK_THAT(out.output, Contains("a history needs at least 2"));
}
