// report.html as text: self-contained (Chart.js inlined, nothing fetched), the embedded data
// round-trips, strings from the result cannot break out of their elements, the verdict and
// every check are shown. tests/reports/browser/ renders the page in a real browser.
#include "reports/html/html_report.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "reports/html/html_text.h"
#include "reports/html/report_data.h"
#include "tests/reports/report_fixture.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

std::string render(const json& doc) {
  auto html = lg::reports::render_report_html(doc);
  REQUIRE(html.has_value());
  return *html;
}

lg::reports::StoredResult stored_of(const json& doc) {
  auto stored = lg::reports::result_from_json(doc, "result.json");
  REQUIRE(stored.has_value());
  return *stored;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The text of <script type="application/json" id="lg-data">.
std::string data_block(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"lg-data\">";
  const auto start = html.find(open);
  REQUIRE(start != std::string::npos);
  const auto end = html.find("</script>", start);
  REQUIRE(end != std::string::npos);
  return html.substr(start + open.size(), end - start - open.size());
}

using lg::test::TempDir;

}  // namespace

TEST_CASE("html report: Chart.js is inlined and nothing is fetched from the network", "[reports]") {
  const auto html = render(lg::test::fixture_doc());
  CHECK_THAT(html, Contains("Chart.js v3.9.1"));
  const auto page = lower(html);
  for (const char* attr : {"src=", "href="}) {
    for (auto at = page.find(attr); at != std::string::npos; at = page.find(attr, at + 1)) {
      auto value = page.substr(at + std::string(attr).size(), 10);
      value.erase(0, value.find_first_not_of("\"' "));
      INFO(attr << value);
      CHECK(value.rfind("http:", 0) != 0);
      CHECK(value.rfind("https:", 0) != 0);
      CHECK(value.rfind("//", 0) != 0);
    }
  }
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  CHECK(page.find("<script src") == std::string::npos);
}

TEST_CASE("html report: the embedded data parses back to the report data", "[reports]") {
  const auto doc = lg::test::fixture_doc();
  const auto html = render(doc);
  const auto data = json::parse(data_block(html));
  CHECK(data == lg::reports::report_data(stored_of(doc)));
  CHECK(data["timeline"]["t"].size() == 60);
  CHECK(data["steps"].size() == 4);
  CHECK(data["spectrum"].size() == 3);  // the warm-up step has no line
  CHECK(data["events"].size() == 4);
  CHECK(data["timeline"]["errors"].contains("http_5xx"));
  CHECK_FALSE(data["timeline"]["errors"].contains("connect"));  // no connect errors at all
  CHECK(data["timeline"]["replicas"][30] == 3);
}

TEST_CASE("html report: strings from the result cannot close their script or element",
          "[reports]") {
  auto doc = lg::test::fixture_doc();
  const std::string evil = "</script><script>alert(1)</script><!-- x";
  doc["steps"][1]["label"] = "50 users" + evil;
  doc["stack_events"][1]["reason"] = "cpu" + evil;
  doc["checks"][0]["name"] = "p95" + evil;
  const auto html = render(doc);
  // Exactly the page's own four script elements end: none of the data's.
  CHECK(count_of(lower(html), "</script") == 4);
  // Nor does any comment open (that would change how the browser scans a script).
  CHECK(html.find("<!--") == std::string::npos);
  CHECK_THAT(html, Contains("p95&lt;/script&gt;&lt;script&gt;alert(1)"));
  const auto data = json::parse(data_block(html));
  CHECK(data["steps"][1]["label"] == "50 users" + evil);
  CHECK(data["events"][1]["reason"] == "cpu" + evil);
}

TEST_CASE("html report: the verdict and every check are shown", "[reports]") {
  const auto doc = lg::test::fixture_doc();
  const auto html = render(doc);
  REQUIRE(doc["passed"] == false);
  CHECK_THAT(html, Contains("<div class=\"verdict-word\">FAIL</div>"));
  CHECK_THAT(html, Contains("stepped-demo"));
  CHECK_THAT(html, Contains("2026-11-22T04:20:01.250Z"));
  CHECK_THAT(html, Contains("Checks: 1 of 8 failed"));
  for (const auto& c : doc["checks"]) {
    CHECK_THAT(html, Contains(lg::reports::escape_html(c["name"].get<std::string>())));
    CHECK_THAT(html, Contains(lg::reports::escape_html(c["explanation"].get<std::string>())));
  }
  // The failed check comes first, before any passed one.
  CHECK(html.find("<tr class=\"fail\">") < html.find("<tr class=\"pass\">"));

  auto passing = doc;
  passing["passed"] = true;
  for (auto& c : passing["checks"]) c["passed"] = true;
  CHECK_THAT(render(passing), Contains("<div class=\"verdict-word\">PASS</div>"));
}

TEST_CASE("html report: an invalid result is refused with the reader's error", "[reports]") {
  auto doc = lg::test::fixture_doc();
  doc["steps"][2]["histograms"]["latency"] = "not a histogram";
  const auto html = lg::reports::render_report_html(doc, "out/result.json");
  REQUIRE_FALSE(html.has_value());
  CHECK_THAT(html.error(), Contains("out/result.json: /steps/2/histograms/latency"));
}

TEST_CASE("html report: the percentile spectrum reads the histogram", "[reports]") {
  lg::Histogram h;
  for (std::uint64_t us = 1; us <= 1000; ++us) REQUIRE(h.record(us));  // exact below 2,048 us
  const auto points = lg::reports::spectrum_points(h);
  REQUIRE(points.size() == 31);  // ten a decade from x = 1 (p0) to x = 1000 (p99.9) = count
  CHECK(points[0] == json::array({1.0, 0.001}));
  CHECK(points[3][0] == Approx(1.9953));
  CHECK(points[10] == json::array({10.0, 0.9}));  // p90: the 900th of 1,000
  CHECK(points[20] == json::array({100.0, 0.99}));
  CHECK(points[30][0] == 1000.0);
  CHECK(points[30][1].get<double>() >= 0.999);
  for (std::size_t i = 1; i < points.size(); ++i) {
    CHECK(points[i][1].get<double>() >= points[i - 1][1].get<double>());
  }
  lg::Histogram few;
  REQUIRE(few.record(5'000, 7));
  const auto short_line = lg::reports::spectrum_points(few);
  CHECK(short_line.back()[0] == 7.0);  // the last point is at the count, off the grid
  CHECK(short_line.back()[1] == 5.0);
  CHECK(lg::reports::spectrum_points(lg::Histogram{}).empty());
}

TEST_CASE("html report: write_report writes the file whole, or says why not", "[reports]") {
  TempDir dir;
  const auto file = dir.path() / "nested" / "report.html";
  auto written = lg::reports::write_report("<html>one</html>", file);
  REQUIRE(written.has_value());
  CHECK(*written == file);
  written = lg::reports::write_report("<html>two</html>", file);  // replaces
  REQUIRE(written.has_value());
  CHECK(lg::test::read_file(file) == "<html>two</html>");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path() / "nested"),
                      std::filesystem::directory_iterator()) == 1);  // no temporary left
  std::ofstream(dir.path() / "plain") << "x";
  const auto refused = lg::reports::write_report("x", dir.path() / "plain" / "report.html");
  REQUIRE_FALSE(refused.has_value());
  CHECK_THAT(refused.error(), Contains("cannot create"));
}

TEST_CASE("html text: escaping for elements and script blocks", "[reports]") {
  CHECK(lg::reports::escape_html("<a href='x'>\"&\"</a>") ==
        "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  const json doc = {{"s", "</script><!--"}};
  const auto text = lg::reports::json_for_script(doc);
  CHECK(text == R"({"s":"<\/script>\u003c!--"})");
  CHECK(json::parse(text) == doc);
  CHECK(lg::reports::script_code("a='</SCRIPT>'") == "a='<\\/SCRIPT>'");
  CHECK(lg::reports::format_ms(0.4121) == "0.412 ms");
  CHECK(lg::reports::format_ms(12.34) == "12.3 ms");
  CHECK(lg::reports::format_ms(1250) == "1.25 s");
  CHECK(lg::reports::format_per_second(1250) == "1,250.0/s");
  CHECK(lg::reports::format_count(1234567) == "1,234,567");
  CHECK(lg::reports::format_fraction(0.0123) == "1.23%");
}

TEST_CASE("html report: timed actions are markers on the time axis and rows of a table",
          "[reports]") {
  auto r = lg::test::fixture_result();
  r.result.actions = {{"noop", "r2", 20'000'000'000, 20'000'400'000, "done", true},
                      {"noop", "<b>x</b>", 30'000'000'000, 30'000'100'000, "refused", false},
                      {"noop", "", 59'000'000'000, -1, "run interrupted first", false},
                      {"clear", "replica:1", 40'000'000'000, 40'000'100'000, "cleared", true, 3}};
  const auto doc = lg::reports::to_json(r, lg::test::fixture_checks());
  const auto html = render(doc);
  const auto data = json::parse(data_block(html));
  REQUIRE(data["events"].size() == 4 + 3);  // the scale events, then the fired actions
  CHECK(data["events"][4]["type"] == "action");
  CHECK(data["events"][4]["t_s"] == 20.0004);
  CHECK(data["events"][4]["label"] == "noop r2");
  CHECK(data["events"][5]["label"] == "noop <b>x</b> (failed)");
  CHECK(data["events"][6]["label"] == "fault 3: clear replica:1");  // named as SLOs name it
  CHECK_THAT(html, Contains("<h2>Timed actions</h2>"));
  CHECK_THAT(html, Contains("<th>fault</th>"));
  CHECK_THAT(html, Contains("run interrupted first"));
  CHECK_THAT(html, Contains("<td>&lt;b&gt;x&lt;/b&gt;</td>"));  // escaped in the table
  CHECK_THAT(html, Contains("blue lines: timed actions"));
  // Without actions, neither the table nor the hint.
  const auto plain = render(lg::test::fixture_doc());
  CHECK(plain.find("<h2>Timed actions</h2>") == std::string::npos);
  CHECK(plain.find("blue lines: timed actions") == std::string::npos);
}
