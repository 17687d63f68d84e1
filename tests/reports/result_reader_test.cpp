// result.json read back: to_json -> result_from_json -> to_json is the identity, the decoded
// values equal the originals, and every bad input names the file and the JSON pointer.
#include "reports/result/result_reader.h"
#include "tests/support/histogram_values.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "loadgen/version.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

using lg::test::hist;

lg::RunPlan full_plan() {
  lg::RunPlan p;
  p.name = "round-trip";
  p.target.host = "127.0.0.1";
  p.target.port = 18000;
  p.target.base_path = "/api";
  p.arrival = lg::Arrival::kPoisson;
  p.steps = {{"ramp to 50 users", 50, 0, 50, 2'000'000'000, true},
             {"50 users", 50, 50, 50, 3'000'000'000, false},
             {"80/s", 0, 80, 80, 1'500'000'001, false}};
  p.requests = {{"GET", "/item?id={{rand 1 10}}", {}, "", 9},
                {"POST", "/item", {{"Content-Type", "application/json"}, {"X-A", "b"}}, "{}", 1}};
  p.connections = 64;
  p.preconnect = true;
  p.threads = 2;
  p.timeout_ns = 2'500'000'000;
  p.late_threshold_ns = 5'000'000;
  p.max_dispatch_lag_ns = 20'000'000;
  p.seed = 18'446'744'073'709'551'557ULL;  // beyond int64: stored as an unsigned JSON number
  p.shard_index = 1;
  p.shard_count = 3;
  return p;
}

const std::vector<std::string> kSloTexts{"p95 < 100ms", "run: error_rate < 1%", "steps: rps >= 10"};

lg::StackSpec full_stack() {
  lg::StackSpec s;
  s.min_replicas = 1;
  s.max_replicas = 4;
  s.fpm_children = 2;
  auto& a = s.autoscaler;
  s.autoscaler_enabled = true;
  a.algorithm = lg::Algorithm::kTargetTracking;
  a.check_interval_s = 1;
  a.cooldown_s = 2.5;
  a.window_s = 3;
  a.scale_down_stabilization_s = 4;
  a.scale_up_cpu = 65.5;
  a.scale_down_rps = 12.25;
  a.exponential_factor = 2;
  a.target_metric = lg::TargetMetric::kRpsPerReplica;
  a.target_value = 40;
  return s;
}

lg::StepResult step_of(const lg::RunPlan& plan, std::size_t i, std::int64_t start_ns) {
  const auto k = static_cast<std::uint64_t>(i + 1);
  lg::StepResult s;
  s.plan = plan.steps[i];
  s.start_ns = start_ns;
  s.end_ns = start_ns + s.plan.duration_ns;
  s.target_rate = (s.plan.start_rate + s.plan.end_rate) / 2;
  auto& c = s.data.counters;
  c.scheduled = 100 * k;
  c.sent = 98 * k;
  c.completed = 90 * k;
  c.responses = 93 * k;
  c.errors[static_cast<std::size_t>(lg::ErrorKind::kHttp5xx)] = 3 * k;
  c.errors[static_cast<std::size_t>(lg::ErrorKind::kTimeout)] = k;
  c.late = k;
  c.dropped = 2;
  c.abandoned = i;
  c.unrecorded = i == 2 ? 1 : 0;
  c.connects = 7;
  c.bytes_in = 123'456 * k;
  // Exact below 2,048 us, log-linear above: values in both ranges and up to seconds.
  s.data.latency =
      hist({{700, 40 * k}, {1'999, 10}, {4'321 * k, 30}, {250'000, 9}, {5'000'000, 1}});
  s.data.service = hist({{650, 40}, {3'210 * k, 50}});
  s.data.lag = hist({{3, 90}, {15'000 * k, 8}});
  s.achieved_rate = static_cast<double>(c.sent) * 1e9 / static_cast<double>(s.plan.duration_ns);
  if (i > 0) s.replicas = {1, 2 + static_cast<std::int32_t>(i), 1.75};  // warm-up: unknown
  return s;
}

lg::TimelinePoint point(std::int64_t second) {
  lg::TimelinePoint t;
  t.second = second;
  const auto k = static_cast<std::uint64_t>(second + 1);
  t.counters.scheduled = 50 * k;
  t.counters.sent = 49 * k;
  t.counters.completed = 45 * k;
  t.counters.count(lg::ErrorKind::kRead);
  t.counters.late = k % 2;
  t.counters.dropped = 1;
  t.latency = lg::summarize(hist({{800, 30}, {2'500 * k, 15}, {90'000, 1}}));
  t.cpu_percent = 12.5 + static_cast<double>(second) / 3;
  t.max_lag_ms = 0.125 * static_cast<double>(k);
  t.open_connections = 8;
  t.rss_kb = 40'000 + 7 * second;
  t.replicas = second < 2 ? -1 : 2;  // unknown until the load balancer answered
  t.healthy = second < 2 ? -1 : 1;
  return t;
}

lg::reports::RunRecord full_result() {
  lg::reports::RunRecord rec;
  rec.stack = full_stack();
  for (const auto& text : kSloTexts) rec.slos.push_back(*lg::validators::parse_slo(text));
  auto& r = rec.result;
  r.plan = full_plan();
  r.target_url = "http://127.0.0.1:18000/api";
  r.started_at = "2026-11-22T04:20:01.250Z";
  r.started_unix_ms = 1795321201250.5;
  r.duration_ns = 6'612'345'678;
  std::int64_t start = 0;
  for (std::size_t i = 0; i < r.plan.steps.size(); ++i) {
    r.steps.push_back(step_of(r.plan, i, start));
    start = r.steps.back().end_ns;
    r.total.merge(r.steps.back().data);
  }
  for (std::int64_t t = 0; t < 7; ++t) r.timeline.push_back(point(t));
  r.generator = {2, 1.25, 17.5, r.total.lag, 51'234, true, false, ""};
  rec.observed.events.push_back(
      {-0.5, -1, "2026-11-22T04:20:00.750Z", "recovery", 1, 1, "r1 died", {}});
  rec.observed.events.push_back({3.25,
                                 12.5,
                                 "2026-11-22T04:20:04.500Z",
                                 "scale_up",
                                 1,
                                 2,
                                 "rps 61 > 40",
                                 {{"cpu_percent", 83.5}, {"rps_per_replica", 61}}});
  rec.observed.replica_load = {{"r1", 700, 650.5, 6}, {"r2", 300, 349.5, 3}};
  r.actions = {{"noop", "r1", 1'500'000'000, 1'500'412'345, "done", true},
               {"kill", "r2", 2'000'000'000, 2'000'000'001, "unknown action kind 'kill'", false},
               {"noop", "", 6'000'000'000, -1, "run ended first", false}};
  return rec;
}

std::vector<lg::reports::Check> some_checks() {
  return {{"p95", "run", "4.32ms", "< 100ms", true, "p95 4.32ms is below 100ms"},
          {"error_rate", "step 2", "4.4%", "< 1%", false, "too many 5xx"}};
}

json full_doc() {
  return lg::reports::to_json(full_result(), some_checks());
}

std::string read_error(const json& doc) {
  const auto read = lg::reports::result_from_json(doc, "result.json");
  REQUIRE_FALSE(read.has_value());
  return read.error();
}

using lg::test::TempDir;

}  // namespace

TEST_CASE("result reader: to_json of the read result is the original document", "[reports]") {
  const auto doc = full_doc();
  SECTION("from the document in memory") {
    const auto read = lg::reports::result_from_json(doc, "result.json");
    REQUIRE(read.has_value());
    CHECK(lg::reports::to_json(*read, read->checks).dump() == doc.dump());
  }
  SECTION("from its text, as a file holds it") {
    const auto read = lg::reports::result_from_json(json::parse(doc.dump(1)), "result.json");
    REQUIRE(read.has_value());
    CHECK(lg::reports::to_json(*read, read->checks).dump() == doc.dump());
  }
}

TEST_CASE("result reader: measurements decode to the original values", "[reports]") {
  const auto full = full_result();
  const auto& original = full.result;
  const auto read = lg::reports::result_from_json(full_doc(), "result.json");
  REQUIRE(read.has_value());
  const auto& r = read->result;
  const auto& observed = read->observed;
  REQUIRE(r.steps.size() == original.steps.size());
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    CAPTURE(i);
    const auto& got = r.steps[i];
    const auto& want = original.steps[i];
    CHECK(got.data.counters == want.data.counters);
    CHECK(got.data.latency == want.data.latency);
    CHECK(got.data.service == want.data.service);
    CHECK(got.data.lag == want.data.lag);
    for (const double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
      CHECK(got.data.latency.value_at_percentile(p) == want.data.latency.value_at_percentile(p));
    }
    CHECK(got.start_ns == want.start_ns);
    CHECK(got.end_ns == want.end_ns);
    CHECK(got.plan.duration_ns == want.plan.duration_ns);
    CHECK(got.plan.warmup == want.plan.warmup);
    CHECK(got.replicas.max == want.replicas.max);
  }
  CHECK(r.steps[0].replicas.min == -1);
  CHECK(r.total.counters == original.total.counters);
  CHECK(r.total.latency == original.total.latency);
  CHECK(r.generator.lag == original.generator.lag);
  CHECK(r.generator.peak_rss_kb == 51'234);
  CHECK(r.duration_ns == original.duration_ns);
  CHECK(r.started_unix_ms == original.started_unix_ms);
  REQUIRE(r.timeline.size() == 7);
  CHECK(r.timeline[1].replicas == -1);
  CHECK(r.timeline[1].healthy == -1);
  CHECK(r.timeline[5].replicas == 2);
  CHECK(r.timeline[5].counters == original.timeline[5].counters);
  CHECK(r.timeline[6].rss_kb == original.timeline[6].rss_kb);
  REQUIRE(observed.events.size() == 2);
  CHECK(observed.events[0].own_s == -1);
  CHECK(observed.events[1].own_s == 12.5);
  REQUIRE(observed.replica_load.size() == 2);
  CHECK(observed.replica_load[1].server == "r2");
  CHECK(observed.replica_load[1].fair_share == 349.5);
  REQUIRE(r.actions.size() == 3);
  for (std::size_t i = 0; i < r.actions.size(); ++i) {
    CAPTURE(i);
    const auto& got = r.actions[i];
    const auto& want = original.actions[i];
    CHECK(got.kind == want.kind);
    CHECK(got.target == want.target);
    CHECK(got.at_ns == want.at_ns);
    CHECK(got.fired_ns == want.fired_ns);  // to the nanosecond; -1 (null) when not fired
    CHECK(got.ok == want.ok);
    CHECK(got.outcome == want.outcome);
  }
}

TEST_CASE("result reader: the plan, the checks and the verdict come back", "[reports]") {
  const auto want = full_plan();
  const auto read = lg::reports::result_from_json(full_doc(), "result.json");
  REQUIRE(read.has_value());
  const auto& p = read->result.plan;
  CHECK(p.target.port == 18000);
  CHECK(p.target.base_path == "/api");
  CHECK(read->result.target_url == "http://127.0.0.1:18000/api");
  CHECK(p.arrival == lg::Arrival::kPoisson);
  CHECK(p.seed == want.seed);
  CHECK(p.max_dispatch_lag_ns == 20'000'000);
  CHECK(p.late_threshold_ns == 5'000'000);
  std::vector<std::string> slos;
  for (const auto& slo : read->slos) slos.push_back(lg::validators::slo_source(slo));
  CHECK(slos == kSloTexts);
  REQUIRE(read->slos.size() == 3);
  CHECK(read->slos[1].scope == lg::validators::Scope::kRun);
  CHECK(p.requests[1].headers == want.requests[1].headers);
  REQUIRE(read->stack.has_value());
  CHECK(read->stack->max_replicas == 4);
  CHECK(read->stack->autoscaler.algorithm == lg::Algorithm::kTargetTracking);
  CHECK(read->stack->autoscaler.cooldown_s == 2.5);
  CHECK(read->stack->autoscaler.scale_down_rps == 12.25);
  REQUIRE(read->checks.size() == 2);
  CHECK(read->checks[1].name == "error_rate");
  CHECK_FALSE(read->checks[1].passed);
  CHECK_FALSE(read->passed);
  CHECK(read->tool_version == lg::kVersion);
}

TEST_CASE("result reader: files from before the added fields read with defaults", "[reports]") {
  auto doc = full_doc();
  for (const auto* key : {"slo", "stack", "max_dispatch_lag_s", "preconnect"}) {
    doc["scenario"].erase(key);
  }
  doc.erase("started_unix_ms");
  doc.erase("replica_load");
  doc.erase("actions");
  doc["generator"].erase("lag");
  doc["stack_events"][1].erase("own_s");
  for (auto& step : doc["steps"]) step.erase("replicas");
  for (auto& second : doc["timeline"]) {
    for (const auto* key : {"replicas", "healthy", "rss_mb"}) second.erase(key);
  }
  const auto read = lg::reports::result_from_json(doc, "result.json");
  REQUIRE(read.has_value());
  const auto& r = read->result;
  CHECK(read->slos.empty());
  CHECK_FALSE(read->stack.has_value());
  CHECK(r.plan.max_dispatch_lag_ns == lg::RunPlan{}.max_dispatch_lag_ns);
  CHECK(r.started_unix_ms == 1795321201250.0);  // from started_at
  CHECK(read->observed.replica_load.empty());
  CHECK(r.actions.empty());
  CHECK(r.generator.lag == r.total.lag);
  CHECK(read->observed.events[1].own_s == -1);
  CHECK_FALSE(r.plan.preconnect);
  CHECK(r.steps[2].replicas.max == -1);
  CHECK(r.steps[2].replicas.mean == -1);
  CHECK(r.timeline[5].replicas == -1);
  CHECK(r.timeline[5].healthy == -1);
  CHECK(r.timeline[5].rss_kb == 0);
}

TEST_CASE("result reader: a wrong type names the file, the pointer and the value", "[reports]") {
  auto doc = full_doc();
  doc["steps"][2]["completed"] = "abc";
  CHECK(read_error(doc) ==
        "result.json: /steps/2/completed: expected a non-negative integer, found \"abc\"");
}

TEST_CASE("result reader: an autoscaler knob's name must be one of its choices", "[reports]") {
  auto doc = full_doc();
  doc["scenario"]["stack"]["autoscaler"]["algorithm"] = "psychic";
  CHECK(read_error(doc) ==
        "result.json: /scenario/stack/autoscaler/algorithm: expected one of \"linear\", "
        "\"exponential\", \"predictive\", \"target_tracking\", found \"psychic\"");
  doc = full_doc();
  doc["scenario"]["stack"]["autoscaler"]["scale_up"]["cpu"] = "hot";
  CHECK(read_error(doc) ==
        "result.json: /scenario/stack/autoscaler/scale_up/cpu: expected a number, found \"hot\"");
}

TEST_CASE("result reader: a broken histogram string is an error at its pointer", "[reports]") {
  auto doc = full_doc();
  doc["steps"][1]["histograms"]["latency"] = "lgh1:100000000:3:5:1:9:!!!";
  const auto error = read_error(doc);
  CHECK_THAT(error, Contains("result.json: /steps/1/histograms/latency: expected an encoded "
                             "histogram"));
  CHECK_THAT(error, Contains("lgh1:100000000:3:5:1:9:!!!"));
}

TEST_CASE("result reader: a missing key is named", "[reports]") {
  auto doc = full_doc();
  doc.erase("steps");
  CHECK(read_error(doc) ==
        "result.json: /steps: expected an array, found nothing (the key is missing)");
}

TEST_CASE("result reader: every error is listed, one per line", "[reports]") {
  auto doc = full_doc();
  doc["timeline"][3]["replicas"] = -2;
  doc["scenario"]["mode"] = "half-open";
  doc["checks"][0]["passed"] = "yes";
  const auto error = read_error(doc);
  CHECK_THAT(error, Contains("/timeline/3/replicas: expected a non-negative integer or null"));
  CHECK_THAT(error, Contains("/scenario/mode: expected one of \"open\", \"closed\""));
  CHECK_THAT(error, Contains("/checks/0/passed: expected true or false, found \"yes\""));
  CHECK(std::count(error.begin(), error.end(), '\n') == 2);
}

TEST_CASE("result reader: schema version 2 and foreign documents are one clear line", "[reports]") {
  auto doc = full_doc();
  doc["schema_version"] = 2;
  CHECK(read_error(doc) ==
        "result.json: schema_version 2 is not supported (this loadgen reads version 1)");
  CHECK_THAT(read_error(json{{"name", "x"}, {"steps", json::array()}}),
             Contains("result.json: not a loadgen result"));
  CHECK_THAT(read_error(json::array()), Contains("not a loadgen result"));
}

TEST_CASE("result reader: a stored file reads back, a bad or missing one is named", "[reports]") {
  TempDir dir;
  SECTION("a result.json written by write_result, by its path or its directory's") {
    const auto written = lg::reports::write_result(full_doc(), dir.path());
    REQUIRE(written.has_value());
    for (const auto& path : {*written, dir.path()}) {
      CAPTURE(path);
      const auto read = lg::reports::read_result(path);
      REQUIRE(read.has_value());
      CHECK(lg::reports::to_json(*read, read->checks) == full_doc());
    }
  }
  SECTION("not JSON at all") {
    const auto path = dir.path() / "result.json";
    std::ofstream(path) << "this is { not json";
    const auto read = lg::reports::read_result(path);
    REQUIRE_FALSE(read.has_value());
    CHECK_THAT(read.error(), Contains(path.string() + ": not JSON (parse error at line 1"));
    CHECK(read.error().find('\n') == std::string::npos);
  }
  SECTION("a missing file") {
    const auto missing = std::filesystem::temp_directory_path() / "lg-no-such-dir" / "r.json";
    const auto read = lg::reports::read_result(missing);
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == missing.string() + ": no such file");
  }
}
