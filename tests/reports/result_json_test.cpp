// result.json (DESIGN.md section 7): the keys every report reads, the pass/fail verdict, the
// histograms round-tripping through their text encoding, and the atomic write.
#include "reports/result/result_json.h"
#include "tests/support/histogram_values.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include "loadgen/version.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

using lg::test::hist;

// A run of two steps (10 users, then 20), with a few errors, and two timeline seconds.
lg::RunResult sample_result() {
  lg::RunResult r;
  r.plan.name = "sample";
  r.plan.target.host = "127.0.0.1";
  r.plan.target.port = 18080;
  r.plan.steps.push_back({"10 users", 10, 10, 10, 2'000'000'000, false});
  r.plan.steps.push_back({"20 users", 20, 20, 20, 2'000'000'000, false});
  r.started_at = "2024-05-01T12:00:00Z";
  r.duration_ns = 4'100'000'000;
  r.target_url = "http://127.0.0.1:18080";

  for (std::size_t i = 0; i < 2; ++i) {
    lg::StepResult s;
    s.plan = r.plan.steps[i];
    s.start_ns = static_cast<std::int64_t>(i) * 2'000'000'000;
    s.end_ns = s.start_ns + 2'000'000'000;
    s.target_rate = s.plan.start_rate;
    auto& c = s.data.counters;
    c.scheduled = 20 * (i + 1);
    c.sent = 19 * (i + 1);
    c.completed = 16 * (i + 1);
    c.responses = c.completed + 1;
    c.count(lg::ErrorKind::kHttp5xx);
    c.count(lg::ErrorKind::kTimeout);
    c.count(lg::ErrorKind::kConnect);
    c.late = 2 + i;
    c.dropped = 1;
    s.data.latency = hist({{900, 10}, {4'000 * (i + 1), 6}, {150'000, 1}});
    s.data.service = hist({{800, 10}, {3'000, 7}});
    s.data.lag = hist({{5, 18}, {12'000, 1}});
    s.achieved_rate = static_cast<double>(c.sent) / 2.0;
    r.total.merge(s.data);
    r.steps.push_back(std::move(s));
  }
  for (std::int64_t t = 0; t < 2; ++t) {
    lg::TimelinePoint p;
    p.second = t;
    p.counters.sent = 10 + static_cast<std::uint64_t>(t);
    p.counters.completed = 9;
    p.counters.count(lg::ErrorKind::kRead);
    p.latency = lg::summarize(hist({{1'000, 5}, {2'000, 4}, {7'000, 1}}));
    p.cpu_percent = 12.5 + static_cast<double>(t);
    r.timeline.push_back(p);
  }
  r.generator.threads = 2;
  r.generator.cpu_seconds = 0.4;
  r.generator.lag = r.total.lag;
  return r;
}

std::vector<lg::reports::Check> passing_checks() {
  return {{"p95", "run", "4.00ms", "< 1s", true, "p95 within limit"},
          {"error_rate", "step 1", "0.10", "< 0.2", true, "fine"}};
}

using lg::test::TempDir;

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("result_json: run-level keys", "[result_json]") {
  const auto r = sample_result();
  const auto j = lg::reports::to_json(r, passing_checks());
  CHECK(j.at("schema_version") == 1);
  CHECK(j.at("tool").at("version") == lg::kVersion);
  CHECK(j.at("tool").at("name") == "loadgen");
  CHECK(j.at("started_at") == "2024-05-01T12:00:00Z");
  CHECK(j.at("duration_s").get<double>() == Approx(4.1));
  CHECK(j.at("interrupted") == false);
  CHECK(j.at("passed") == true);

  const auto& sc = j.at("scenario");
  CHECK(sc.at("name") == "sample");
  CHECK(sc.at("target") == "http://127.0.0.1:18080");
  REQUIRE(sc.at("steps").size() == 2);
  CHECK(sc.at("steps")[1].at("users") == 20);

  const auto& checks = j.at("checks");
  REQUIRE(checks.is_array());
  REQUIRE(checks.size() == 2);
  CHECK(checks[1].at("name") == "error_rate");
  CHECK(checks[1].at("scope") == "step 1");
  CHECK(checks[1].at("observed") == "0.10");
  CHECK(checks[1].at("limit") == "< 0.2");
  CHECK(checks[1].at("passed") == true);
  CHECK(checks[1].at("explanation") == "fine");

  const auto& gen = j.at("generator");
  CHECK(gen.at("threads") == 2);
  CHECK(gen.at("cpu_seconds").get<double>() == Approx(0.4));
  CHECK(gen.contains("lag_ms"));
  CHECK(gen.contains("saturated"));
}

TEST_CASE("result_json: per-step keys and values", "[result_json]") {
  const auto r = sample_result();
  const auto j = lg::reports::to_json(r, passing_checks());
  const auto& steps = j.at("steps");
  REQUIRE(steps.is_array());
  REQUIRE(steps.size() == 2);
  const auto& s = steps[1];
  CHECK(s.at("users") == 20);
  CHECK(s.at("label") == "20 users");
  CHECK(s.at("target_rate").get<double>() == Approx(20.0));
  CHECK(s.at("achieved_rate").get<double>() == Approx(19.0));
  CHECK(s.at("sent") == 38);
  CHECK(s.at("completed") == 32);
  CHECK(s.at("late") == 3);
  CHECK(s.at("dropped") == 1);
  const auto& errors = s.at("errors");
  CHECK(errors.size() == lg::kErrorKinds);
  CHECK(errors.at("connect") == 1);
  CHECK(errors.at("timeout") == 1);
  CHECK(errors.at("http_5xx") == 1);
  CHECK(errors.at("http_4xx") == 0);
  CHECK(errors.at("read") == 0);
  CHECK(errors.at("write") == 0);
  CHECK(errors.at("parse") == 0);
  // (failed + dropped + abandoned) / scheduled = (3 + 1 + 0) / 40
  CHECK(s.at("error_rate").get<double>() == Approx(4.0 / 40.0));

  const auto& lat = s.at("latency_ms");
  for (const auto* k : {"p50", "p90", "p95", "p99", "p99_9", "max"}) {
    CAPTURE(k);
    CHECK(lat.contains(k));
  }
  // 10 x 0.9 ms, 6 x 8 ms, 1 x 150 ms
  CHECK(lat.at("p50").get<double>() == Approx(0.9));
  CHECK(lat.at("p90").get<double>() == Approx(8.0).epsilon(0.001));
  CHECK(lat.at("max").get<double>() == Approx(150.0));
  CHECK(s.at("service_ms").at("p50").get<double>() == Approx(0.8));
  CHECK(s.at("service_ms").at("max").get<double>() == Approx(3.0));
  const auto& h = s.at("histograms");
  CHECK(h.at("unit") == "us");
  CHECK(h.at("latency").is_string());
  CHECK(h.at("service").is_string());
}

TEST_CASE("result_json: timeline keys and values", "[result_json]") {
  const auto j = lg::reports::to_json(sample_result(), passing_checks());
  const auto& tl = j.at("timeline");
  REQUIRE(tl.is_array());
  REQUIRE(tl.size() == 2);
  const auto& p = tl[1];
  CHECK(p.at("t") == 1);
  CHECK(p.at("sent") == 11);
  CHECK(p.at("completed") == 9);
  CHECK(p.at("errors").at("read") == 1);
  CHECK(p.at("failed") == 1);
  CHECK(p.at("p50_ms").get<double>() == Approx(1.0));
  CHECK(p.at("p95_ms").get<double>() == Approx(7.0).epsilon(0.001));
  CHECK(p.at("p99_ms").get<double>() == Approx(7.0).epsilon(0.001));
  CHECK(p.at("cpu_percent").get<double>() == Approx(13.5));
}

TEST_CASE("result_json: passed is false when a check fails or the run was interrupted",
          "[result_json]") {
  auto r = sample_result();
  auto checks = passing_checks();
  CHECK(lg::reports::to_json(r, checks).at("passed") == true);
  CHECK(lg::reports::to_json(r, {}).at("passed") == true);

  checks[1].passed = false;
  const auto failed = lg::reports::to_json(r, checks);
  CHECK(failed.at("passed") == false);
  CHECK(failed.at("checks")[0].at("passed") == true);
  CHECK(failed.at("checks")[1].at("passed") == false);

  r.interrupted = true;
  const auto interrupted = lg::reports::to_json(r, passing_checks());
  CHECK(interrupted.at("passed") == false);
  CHECK(interrupted.at("interrupted") == true);
}

TEST_CASE("result_json: encoded histograms decode to the originals", "[result_json]") {
  const auto r = sample_result();
  const auto j = lg::reports::to_json(r, passing_checks());
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    CAPTURE(i);
    const auto& h = j.at("steps")[i].at("histograms");
    const auto& data = r.steps[i].data;
    for (const auto& [key, original] :
         {std::pair<const char*, const lg::Histogram*>{"latency", &data.latency},
          {"service", &data.service},
          {"lag", &data.lag}}) {
      CAPTURE(key);
      const auto decoded = lg::Histogram::decode(h.at(key).get<std::string>());
      REQUIRE(decoded.has_value());
      CHECK(*decoded == *original);
      CHECK(decoded->total_count() == original->total_count());
    }
  }
  // The two steps' latencies differ, so a mix-up between them would show.
  CHECK_FALSE(r.steps[0].data.latency == r.steps[1].data.latency);
  const auto total =
      lg::Histogram::decode(j.at("summary").at("histograms").at("latency").get<std::string>());
  REQUIRE(total.has_value());
  CHECK(*total == r.total.latency);
}

TEST_CASE("result_json: write_result writes DIR/result.json atomically", "[result_json]") {
  TempDir tmp;
  const auto dir = tmp.path() / "out" / "nested";  // created on demand
  const auto doc = lg::reports::to_json(sample_result(), passing_checks());
  const auto written = lg::reports::write_result(doc, dir);
  REQUIRE(written.has_value());
  CHECK(*written == dir / "result.json");
  REQUIRE(std::filesystem::is_regular_file(dir / "result.json"));
  CHECK(names_in(dir) == std::vector<std::string>{"result.json"});  // no temporary left behind

  std::ifstream in(dir / "result.json");
  const auto parsed = json::parse(in);
  CHECK(parsed == doc);

  // Writing again replaces the file whole.
  auto other = doc;
  other["passed"] = false;
  REQUIRE(lg::reports::write_result(other, dir).has_value());
  std::ifstream again(dir / "result.json");
  CHECK(json::parse(again) == other);
  CHECK(names_in(dir) == std::vector<std::string>{"result.json"});
}

TEST_CASE("result_json: write_result reports an unwritable directory", "[result_json]") {
  TempDir tmp;
  const auto file = tmp.path() / "plain-file";
  std::ofstream(file) << "not a directory\n";
  REQUIRE(std::filesystem::is_regular_file(file));
  const auto dir = file / "out";
  const auto written = lg::reports::write_result(lg::reports::to_json(sample_result(), {}), dir);
  REQUIRE_FALSE(written.has_value());
  CHECK_THAT(written.error(), Contains(dir.string()));
  CHECK(std::filesystem::is_regular_file(file));  // left as it was
}
