// report.html in a real browser: headless Chromium loads the page from a file (no network),
// runs its scripts, and the DOM it dumps must say that every chart was drawn and no script
// failed; a screenshot is kept as a test artifact (build/test-artifacts/report.png).
// Chromium runs in its own process group with a time bound and a fresh profile directory; the
// whole group is killed afterwards, so nothing outlives the test.
#include "reports/html/html_report.h"
#include "tests/reports/browser/headless_chromium.h"
#include "tests/reports/report_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace lg::test::browser;

// The fixture draws rates, latency, errors, replicas, the spectrum and the generator chart.
constexpr int kFixtureCharts = 6;

}  // namespace

TEST_CASE("report in a browser: every chart renders without a script error", "[browser]") {
  const auto chromium = find_chromium();
  if (!chromium) FAIL("chromium not found: apt-get install chromium (ci/install-deps.sh does)");
  const fs::path artifacts = LG_TEST_ARTIFACTS;
  fs::create_directories(artifacts);
  const auto html = lg::reports::render_report_html(lg::test::fixture_doc());
  REQUIRE(html.has_value());
  const auto page = lg::reports::write_report(*html, artifacts / "report.html");
  REQUIRE(page.has_value());
  const auto url = "file://" + fs::absolute(*page).string();

  TempDir tmp;
  const auto profile = tmp.path() / "profile";
  SECTION("the DOM after the scripts ran") {
    auto args = chromium_args(*chromium, profile);
    args.insert(args.end(), {"--dump-dom", url});
    const auto o = run_bounded(args, tmp.path());
    INFO("stderr: " << o.err);
    REQUIRE(o.exit_code == 0);
    CHECK(body_attribute(o.out, "data-errors").empty());
    CHECK(body_attribute(o.out, "data-ready") == "1");
    CHECK(body_attribute(o.out, "data-charts") == std::to_string(kFixtureCharts));
    CHECK(o.out.find("<canvas") != std::string::npos);
  }
  SECTION("a screenshot of the page") {
    const auto png = artifacts / "report.png";
    fs::remove(png);
    auto args = chromium_args(*chromium, profile);
    args.insert(args.end(), {"--screenshot=" + png.string(), "--window-size=1400,2400", url});
    const auto o = run_bounded(args, tmp.path());
    INFO("stderr: " << o.err);
    REQUIRE(o.exit_code == 0);
    REQUIRE(fs::exists(png));
    CHECK(fs::file_size(png) > 50'000);  // a drawn page, not a blank one
    CHECK(read_file(png).substr(1, 3) == "PNG");
  }
  CHECK(none_left(profile.string()));
}
