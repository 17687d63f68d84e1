// The comparison and trend pages in a real browser, like report.html in report_browser_test.cpp:
// headless Chromium loads each page from a file (no network) and the DOM it dumps must say that
// every chart was drawn and no script failed. Chromium runs in its own process group with a
// time bound and a fresh profile; the group is killed afterwards. The pages are kept in
// build/test-artifacts/ for people to look at.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "reports/compare/compare.h"
#include "reports/html/compare_html.h"
#include "reports/compare/history.h"
#include "reports/html/history_html.h"
#include "tests/reports/browser/headless_chromium.h"
#include "tests/reports/compare_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace lg::test::browser;

// `chromium --dump-dom PAGE` (bounded, its process group killed afterwards); the DOM.
std::string dump_dom(const fs::path& page, const fs::path& work) {
  const auto chromium = find_chromium();
  if (!chromium) FAIL("chromium not found: apt-get install chromium (ci/install-deps.sh does)");
  auto args = chromium_args(*chromium, work / "profile");
  args.insert(args.end(), {"--dump-dom", "file://" + fs::absolute(page).string()});
  const auto o = run_bounded(args, work);
  INFO("stderr: " << o.err);
  CHECK(o.exit_code == 0);
  return o.out;
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
  REQUIRE(dom.find("<body") != std::string::npos);
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
