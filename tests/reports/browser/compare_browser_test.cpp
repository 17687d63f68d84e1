// The comparison and trend pages in a real browser, like report.html in report_browser_test.cpp:
// headless Chromium loads each page from a file (no network) and the DOM it dumps must say that
// every chart was drawn and no script failed. Chromium runs in its own process group with a
// time bound and a fresh profile; the group is killed afterwards. The pages are kept in
// build/test-artifacts/ for people to look at.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "reports/compare.h"
#include "reports/compare_html.h"
#include "reports/history.h"
#include "reports/history_html.h"
#include "tests/reports/compare_fixture.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// $LG_CHROMIUM, else chromium from the usual places.
std::string chromium() {
  if (const char* env = std::getenv("LG_CHROMIUM"); env && *env) return env;
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (access(p, X_OK) == 0) return p;
  FAIL("chromium not found: apt-get install chromium (ci/install-deps.sh does)");
  return "";
}

// `chromium --dump-dom FILE` in its own process group, at most 60 s; returns the DOM.
std::string dump_dom(const fs::path& page, const fs::path& work) {
  const auto out = work / "dom.html";
  std::vector<std::string> args{chromium(),
                                "--headless=new",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--virtual-time-budget=5000",
                                "--user-data-dir=" + (work / "profile").string(),
                                "--no-first-run",
                                "--disable-extensions",
                                "--disable-background-networking",
                                "--disable-dev-shm-usage",
                                "--dump-dom",
                                "file://" + fs::absolute(page).string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: killed as a whole
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  kill(-pid, SIGKILL);  // the browser's helpers, and the browser itself if it overran
  waitpid(pid, &status, WNOHANG);
  return read_file(out);
}

// The value of attribute `name` on the dumped <body> tag; "absent" if it is not there.
std::string body_attribute(const std::string& dom, const std::string& name) {
  const auto start = dom.find("<body");
  if (start == std::string::npos) return "absent";
  const auto tag = dom.substr(start, dom.find('>', start) - start);
  const auto at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return "absent";
  const auto value = at + name.size() + 3;
  return tag.substr(value, tag.find('"', value) - value);
}

// Per-second points, so that the time charts have lines to draw.
lg::RunResult with_timeline(lg::RunResult r, double p95_ms) {
  for (std::int64_t t = 0; t < 30; ++t) {
    lg::TimelinePoint p;
    p.second = t;
    p.counters.sent = p.counters.completed = 100;
    p.latency.p95 = p95_ms + static_cast<double>(t % 3);
    p.latency.count = 100;
    r.timeline.push_back(p);
  }
  return r;
}

void check_renders(const std::string& html, const std::string& name, int charts) {
  const fs::path artifacts = LG_TEST_ARTIFACTS;
  fs::create_directories(artifacts);
  const auto page = artifacts / name;
  std::ofstream(page) << html;
  const auto work = fs::temp_directory_path() / ("lg-compare-browser-" + std::to_string(getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  const auto dom = dump_dom(page, work);
  fs::remove_all(work);
  INFO(name);
  CHECK(body_attribute(dom, "data-ready") == "1");
  CHECK(body_attribute(dom, "data-errors").empty());
  CHECK(body_attribute(dom, "data-charts") == std::to_string(charts));
}

}  // namespace

TEST_CASE("compare page in a browser: every chart renders without a script error", "[browser]") {
  const auto base = with_timeline(lg::test::result_of({{}, {.slow_ms = 110}}), 50);
  const auto candidate = with_timeline(lg::test::result_of({{}, {.slow_ms = 152}}), 80);
  const auto c = lg::reports::compare(base, candidate);
  REQUIRE(c.has_value());
  // Per-second p95, per-second rate, per-step bars.
  check_renders(lg::reports::comparison_html(*c, {"base.json", base}, {"cand.json", candidate}),
                "compare.html", 3);
}

TEST_CASE("history page in a browser: every chart renders without a script error", "[browser]") {
  std::vector<lg::reports::Release> rs;
  const std::vector<std::pair<const char*, double>> releases{
      {"v1.9.0", 50}, {"v1.10.0", 80}, {"v1.10.1", 81}, {"v2.0.0", 82}};
  for (const auto& [label, slow_ms] : releases)
    rs.push_back(
        {label, std::string(label) + ".json", lg::test::result_of({{.slow_ms = slow_ms}})});
  const auto h = lg::reports::analyze_history(rs, {}, {});
  check_renders(lg::reports::history_html(h), "history.html", 5);  // one chart per metric
}
