// result.json byte for byte: a small hand-built run (every part of the format present, values
// written out, no random numbers) through to_json() compared with tests/data/golden/result.json,
// and that file read back (result_from_json) and written again. Only tool.version varies between
// builds; the fixture fixes every time- and machine-dependent value (start time, CPU, RSS).
//
// After an intended change of the format, regenerate the file from the source root with
//   LG_UPDATE_GOLDEN=1 build/tests/tests_reports "[golden]"
// (that run fails on purpose, so a CI job with the variable set cannot pass), then review
// `git diff tests/data/golden/` and, if a field changed meaning or disappeared, bump
// kResultSchemaVersion (reports/result/result_json.h) and reports/result.schema.json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "reports/result/result_json.h"
#include "reports/result/result_reader.h"
#include "tests/support/files.h"
#include "tests/support/histogram_values.h"

namespace {

using nlohmann::json;

// Relative to the source root, where the tests run (tests/CMakeLists.txt: WORKING_DIRECTORY).
constexpr const char* kGoldenPath = "tests/data/golden/result.json";

using lg::test::hist;

// Two steps against the embedded stack (a warm-up of 2 s at 5/s, then 3 s at 20/s): 5xx
// errors, a timeout and a late request in the second step; replicas unread in second 0, then
// 2 -> 3 with a scale-up event, the new replica not yet healthy in its first second; the
// autoscaler's bring-up recovery logged without its own clock; one check failing; a timed
// action fired 250 us late, and one planned past the end (never fired).
lg::reports::RunRecord golden_result() {
  lg::reports::RunRecord rec;
  auto& r = rec.result;
  auto& p = r.plan;
  p.name = "golden";
  p.target.port = 18000;
  p.arrival = lg::Arrival::kPoisson;
  p.threads = 2;
  p.seed = 7;
  p.requests = {{"GET", "/api/item?id={{rand 1 10000}}", {}, "", 9},
                {"POST", "/api/item", {{"Content-Type", "application/json"}}, R"({"n": 1})", 1}};
  p.steps = {{"5 users", 5, 5, 5, 2'000'000'000, true},
             {"20 users", 20, 20, 20, 3'000'000'000, false}};
  for (const char* text : {"p95 < 50ms", "error_rate < 1%", "run: replicas within [2, 3]"})
    rec.slos.push_back(*lg::validators::parse_slo(text));
  auto& stack = rec.stack.emplace();
  stack.max_replicas = 3;
  stack.autoscaler_enabled = true;
  stack.autoscaler.check_interval_s = 1;
  stack.autoscaler.cooldown_s = 2;
  stack.autoscaler.window_s = 2;
  stack.autoscaler.scale_down_stabilization_s = 10;
  r.target_url = "http://127.0.0.1:18000";
  r.started_at = "2026-11-22T04:20:01.250Z";
  r.started_unix_ms = 1795321201250;
  r.duration_ns = 5'031'000'000;

  // Per second: arrivals, 5xx, timeouts, late, latency (us), replicas and healthy (-1 unknown).
  struct Second {
    std::uint64_t n, http5xx, timeouts, late;
    std::uint64_t fast_us, slow_us;  // all but one at fast_us, one at slow_us
    std::int32_t replicas, healthy;
  };
  const std::vector<Second> seconds = {{5, 0, 0, 0, 1'800, 2'400, -1, -1},
                                       {5, 0, 0, 0, 1'700, 2'100, 2, 2},
                                       {20, 1, 0, 0, 3'000, 9'500, 2, 2},
                                       {20, 2, 1, 1, 4'200, 61'000, 3, 2},
                                       {20, 0, 0, 0, 2'600, 5'100, 3, 3}};
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    lg::StepResult s;
    s.plan = p.steps[i];
    s.start_ns = i == 0 ? 0 : 2'000'000'000;
    s.end_ns = i == 0 ? 2'000'000'000 : 5'000'000'000;
    s.target_rate = s.plan.start_rate;
    r.steps.push_back(std::move(s));
  }
  for (std::size_t t = 0; t < seconds.size(); ++t) {
    const auto& sec = seconds[t];
    lg::StepAccum a;
    auto& c = a.counters;
    c.scheduled = c.sent = sec.n;
    c.errors[static_cast<std::size_t>(lg::ErrorKind::kHttp5xx)] = sec.http5xx;
    c.errors[static_cast<std::size_t>(lg::ErrorKind::kTimeout)] = sec.timeouts;
    c.completed = sec.n - sec.http5xx - sec.timeouts;
    c.responses = sec.n - sec.timeouts;
    c.late = sec.late;
    c.connects = t == 0 ? 2u : t == 2 ? 1u : 0u;  // new connections
    c.bytes_in = c.responses * 120;
    a.latency = hist({{sec.fast_us, sec.n - 1}, {sec.slow_us, 1}});
    a.service = hist({{sec.fast_us - 200, sec.n - 1}, {sec.slow_us - 200, 1}});
    a.lag = hist({{35, sec.n - 1}, {sec.late ? 12'500 : 90, 1}});
    lg::TimelinePoint tp;
    tp.second = static_cast<std::int64_t>(t);
    tp.counters = c;
    tp.latency = lg::summarize(a.latency);
    tp.cpu_percent = t == 0 ? 3.5 : 1.25 * static_cast<double>(sec.n) / 5;
    tp.max_lag_ms = static_cast<double>(a.lag.max()) / 1000.0;
    tp.open_connections = sec.n == 5 ? 2u : 3u;
    tp.rss_kb = 12'288 + 256 * static_cast<std::int64_t>(t);
    tp.replicas = sec.replicas;
    tp.healthy = sec.healthy;
    r.timeline.push_back(tp);
    r.steps[t < 2 ? 0 : 1].data.merge(a);
  }
  r.steps[0].achieved_rate = 5;
  r.steps[0].replicas = {2, 2, 2};  // second 0 had no reading
  r.steps[1].achieved_rate = 20;
  r.steps[1].replicas = {2, 3, 8.0 / 3};
  for (auto& s : r.steps) {
    const auto& c = s.data.counters;
    s.ok_rate = s.achieved_rate * static_cast<double>(c.completed) / static_cast<double>(c.sent);
    r.total.merge(s.data);
  }
  r.generator = {2, 0.125, 1.75, r.total.lag, 13'568, true, false, "", 3'020'000'000};
  rec.observed.events = {
      {-0.75, -1, "2026-11-22T04:20:00.500Z", "recovery", 2, 2, "r2 failed its health checks", {}},
      {2.5,
       3.25,
       "2026-11-22T04:20:03.750Z",
       "scale_up",
       2,
       3,
       "cpu 84% > 70%",
       {{"cpu", 84.5}, {"rps", 10}, {"response_ms", 4.25}}}};
  rec.observed.replica_load = {
      {"r1", 32, 31.5, 5}, {"r2", 31, 31.5, 5}, {"r3", 6, 6, 1}};  // 69 responses
  r.actions = {{"kill", "replica:2", 2'500'000'000, 2'500'250'000,
                "replica:2: killed process group 41", true, 1},
               {"noop", "", 6'000'000'000, -1, "run ended first", false, 0}};  // past the plan
  return rec;
}

std::vector<lg::reports::Check> golden_checks() {
  return {{"p95 < 50ms", "step 2: 20 users", "4.2ms", "< 50ms", true, "p95 4.2ms is below 50ms"},
          {"error_rate < 1%", "step 2: 20 users", "6.67%", "< 1%", false,
           "6.67% of step 2's requests failed (3 http_5xx, 1 timeout), above the 1% allowed"},
          {"replicas within [2, 3]", "run", "2..3", "within [2, 3]", true,
           "every second with a reading had 2 to 3 replicas"}};
}

// What varies from one build to the next: the version of the loadgen that wrote the file.
json normalised(json doc) {
  doc["tool"]["version"] = "X";
  return doc;
}

// Exactly what write_result() puts in the file.
std::string text_of(const json& doc) {
  return doc.dump(1) + "\n";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Each line of `a` and `b` marked ' ' (in both), '-' (only in a) or '+' (only in b), from a
// longest common subsequence of lines: the golden file has a few hundred, so the table is small.
std::vector<std::pair<char, std::string>> edit_script(const std::vector<std::string>& a,
                                                      const std::vector<std::string>& b) {
  std::vector<std::vector<std::uint32_t>> common(a.size() + 1,
                                                 std::vector<std::uint32_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      common[i][j] =
          a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::vector<std::pair<char, std::string>> out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out.emplace_back(' ', a[i++]);
      ++j;
    } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
      out.emplace_back('-', a[i++]);
    } else {
      out.emplace_back('+', b[j++]);
    }
  }
  return out;
}

// A unified diff (3 lines of context) of the golden file's text and `actual`, which `source`
// names, cut at kMaxLines lines: enough to see what changed; `git diff` after an update has all.
std::string diff(const std::string& expected, const std::string& actual,
                 const std::string& source = "to_json(golden_result())") {
  constexpr std::size_t kContext = 3, kMaxLines = 60;
  const auto script = edit_script(split_lines(expected), split_lines(actual));
  const auto n = script.size();
  // Lines of each side before script[i], for the hunk headers.
  std::vector<std::size_t> before_a(n + 1, 0), before_b(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    before_a[i + 1] = before_a[i] + (script[i].first != '+');
    before_b[i + 1] = before_b[i] + (script[i].first != '-');
  }
  std::ostringstream out;
  out << "--- " << kGoldenPath << "\n+++ " << source << "\n";
  std::size_t shown = 0;
  for (std::size_t k = 0; k < n;) {
    if (script[k].first == ' ') {
      ++k;
      continue;
    }
    // One hunk: changes less than 2 x kContext unchanged lines apart, with kContext around.
    std::size_t last = k;
    for (auto i = k + 1; i < n && i <= last + 2 * kContext; ++i) {
      if (script[i].first != ' ') last = i;
    }
    const auto from = k >= kContext ? k - kContext : 0;
    const auto end = std::min(n, last + 1 + kContext);
    out << "@@ -" << before_a[from] + 1 << "," << before_a[end] - before_a[from] << " +"
        << before_b[from] + 1 << "," << before_b[end] - before_b[from] << " @@\n";
    for (auto i = from; i < end; ++i, ++shown) {
      if (shown == kMaxLines) return out.str() + "... (the diff goes on)\n";
      out << script[i].first << script[i].second << "\n";
    }
    k = end;
  }
  return out.str();
}

// Compares `doc` with the golden file; with LG_UPDATE_GOLDEN=1, rewrites the file instead and
// fails, so that the run that updates it can never count as a pass.
void check_golden(const json& doc) {
  const auto actual = text_of(doc);
  const char* update = std::getenv("LG_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    const auto written = lg::reports::write_result_file(doc, kGoldenPath);
    INFO((written ? "" : written.error()));
    REQUIRE(written.has_value());
    FAIL(kGoldenPath << " rewritten (LG_UPDATE_GOLDEN=1): review `git diff " << kGoldenPath
                     << "`, then run again without LG_UPDATE_GOLDEN");
  }
  const auto expected = lg::test::read_file(kGoldenPath);
  if (expected.empty()) FAIL(kGoldenPath << " missing or empty: run from the source root");
  if (expected == actual) return;
  FAIL("result.json differs from " << kGoldenPath << ":\n"
                                   << diff(expected, actual)
                                   << "If the change is intended, regenerate the file from the "
                                      "source root with\n  LG_UPDATE_GOLDEN=1 "
                                      "build/tests/tests_reports \"[golden]\"\nand review the diff "
                                      "(see the top of tests/reports/result_golden_test.cpp).");
}

}  // namespace

TEST_CASE("result golden: to_json of the fixture is the golden file", "[golden][result_json]") {
  check_golden(normalised(lg::reports::to_json(golden_result(), golden_checks())));
}

TEST_CASE("result golden: the golden file read and written again is unchanged",
          "[golden][reports]") {
  const auto text = lg::test::read_file(kGoldenPath);
  if (text.empty()) FAIL(kGoldenPath << " missing or empty: run from the source root");
  const auto stored = lg::reports::result_from_json(json::parse(text), kGoldenPath);
  INFO((stored ? "" : stored.error()));
  REQUIRE(stored.has_value());
  CHECK(stored->tool_version == "X");
  const auto again = normalised(lg::reports::to_json(*stored, stored->checks));
  CHECK(again["passed"] == stored->passed);
  const auto actual = text_of(again);
  INFO(diff(text, actual, "to_json(result_from_json(golden file))"));
  CHECK(actual == text);
}

TEST_CASE("result golden: the diff shows each change with three lines of context", "[golden]") {
  std::string a, b;
  for (int i = 1; i <= 20; ++i) {
    a += "l" + std::to_string(i) + "\n";
    if (i != 16) b += (i == 3 ? "x" : "l") + std::to_string(i) + "\n";
  }
  b += "new\n";
  CHECK(diff(a, b) ==
        "--- tests/data/golden/result.json\n+++ to_json(golden_result())\n"
        "@@ -1,6 +1,6 @@\n l1\n l2\n-l3\n+x3\n l4\n l5\n l6\n"
        "@@ -13,8 +13,8 @@\n l13\n l14\n l15\n-l16\n l17\n l18\n l19\n l20\n+new\n");
  std::string many;
  for (int i = 0; i < 100; ++i) many += std::to_string(i) + "\n";
  const auto cut = diff(a, many);
  CHECK(cut.ends_with("... (the diff goes on)\n"));
  CHECK(std::count(cut.begin(), cut.end(), '\n') == 2 + 1 + 60 + 1);  // headers, hunk, lines, cut
}
