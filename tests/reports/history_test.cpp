// compare --history: releases read from a folder in both layouts, ordered by natural version
// order (or start time), the release where a regression entered flagged, whether it persisted,
// and results that cannot be compared skipped with a warning.
#include "reports/compare/history.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reports/compare/history_files.h"
#include "reports/compare/history_text.h"
#include "reports/result/result_json.h"
#include "tests/reports/compare_fixture.h"

using Catch::Matchers::Contains;
using lg::reports::Change;
using lg::reports::Metric;

namespace {

namespace fs = std::filesystem;

using lg::test::TempDir;

// One step whose slow 10% (p95, p99) take `slow_ms`; started `minute` minutes after 08:00.
lg::RunResult release_result(double slow_ms, int minute) {
  auto r = lg::test::result_of({{.slow_ms = slow_ms}});
  r.started_unix_ms = 1'795'334'400'000.0 + minute * 60'000.0;
  return r;
}

// DIR/<label>/result.json, as `--out DIR/<label>` leaves it.
void write_run_dir(const fs::path& dir, const std::string& label, const lg::RunResult& r) {
  REQUIRE(lg::reports::write_result(lg::reports::to_json(r, {}), dir / label).has_value());
}

// DIR/<label>.json.
void write_file(const fs::path& dir, const std::string& label, const lg::RunResult& r) {
  std::ofstream(dir / (label + ".json")) << lg::reports::to_json(r, {}).dump(1);
}

lg::reports::History read_history(const fs::path& dir, const lg::reports::Tolerance& tol = {}) {
  auto folder = lg::reports::read_history_folder(dir);
  REQUIRE(folder.has_value());
  return lg::reports::analyze_history(std::move(folder->releases), std::move(folder->warnings),
                                      tol);
}

const lg::reports::Trend& trend(const lg::reports::History& h, const std::string& scope, Metric m) {
  const auto it = std::find_if(h.trends.begin(), h.trends.end(),
                               [&](const auto& t) { return t.scope == scope && t.metric == m; });
  REQUIRE(it != h.trends.end());
  return *it;
}

std::vector<std::string> labels(const std::vector<lg::reports::Release>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.label);
  return out;
}

}  // namespace

TEST_CASE("history: versions parse and sort naturally", "[reports][history]") {
  using lg::reports::parse_version;
  const auto less = [](const char* a, const char* b) {
    return lg::reports::version_less(*parse_version(a), *parse_version(b));
  };
  CHECK(less("v1.2.9", "v1.2.10"));
  CHECK_FALSE(less("v1.2.10", "v1.2.9"));
  CHECK(less("v1.9.0", "v1.10.0"));
  CHECK(less("1.10.1", "v2.0.0"));
  CHECK(less("v2.0.0-rc1", "v2.0.0"));  // a pre-release comes before its release
  CHECK(less("v2.0.0-rc2", "v2.0.0-rc10"));
  CHECK_FALSE(less("v1.2", "v1.2.0"));  // missing numbers count as 0
  CHECK_FALSE(less("v1.2.0", "v1.2"));
  CHECK(parse_version("V3").has_value());
  CHECK(parse_version("2.0.0+build7").has_value());
  for (const char* not_version : {"nightly", "v", "v1.", "1..2", "v1.2-", "release-1.2", ""})
    CHECK_FALSE(parse_version(not_version).has_value());
}

TEST_CASE("history: releases are ordered by version, or by start time when labels are not",
          "[reports][history]") {
  std::vector<lg::reports::Release> rs;
  for (const char* label : {"v2.0.0", "v1.10.0", "v1.9.0", "v1.10.1"})
    rs.push_back({label, std::string(label) + ".json", release_result(50, 0)});
  CHECK(lg::reports::order_releases(rs) == lg::reports::ReleaseOrder::kVersion);
  CHECK(labels(rs) == std::vector<std::string>{"v1.9.0", "v1.10.0", "v1.10.1", "v2.0.0"});

  rs = {{"nightly-b", "b", release_result(50, 5)},
        {"nightly-a", "a", release_result(50, 9)},
        {"v1.0.0", "c", release_result(50, 1)}};
  CHECK(lg::reports::order_releases(rs) == lg::reports::ReleaseOrder::kStartedAt);
  CHECK(labels(rs) == std::vector<std::string>{"v1.0.0", "nightly-b", "nightly-a"});
  const auto h = lg::reports::analyze_history(rs, {}, {});
  CHECK_THAT(lg::reports::order_text(h), Contains("start time (started_at)"));
  CHECK_THAT(lg::reports::order_text(h), Contains("'nightly-b' is not a version"));
}

TEST_CASE("history: a regression entering at v1.10.0 and persisting is flagged there",
          "[reports][history]") {
  TempDir dir;
  // Both layouts; written out of order, labels that sort wrongly as plain text.
  write_run_dir(dir.path(), "v2.0.0", release_result(82, 30));
  write_file(dir.path(), "v1.10.1", release_result(81, 20));
  write_run_dir(dir.path(), "v1.9.0", release_result(50, 0));
  write_file(dir.path(), "v1.10.0", release_result(80, 10));
  // Another scenario's result in the folder, and a damaged file: skipped, with warnings.
  auto other = release_result(50, 40);
  other.plan.steps[1].duration_ns = 20'000'000'000;
  write_file(dir.path(), "v1.10.2", other);
  std::ofstream(dir.path() / "v1.11.0.json") << "{ not json";
  fs::create_directories(dir.path() / "notes");

  const auto h = read_history(dir.path());
  CHECK(h.order == lg::reports::ReleaseOrder::kVersion);
  REQUIRE(h.releases == std::vector<std::string>{"v1.9.0", "v1.10.0", "v1.10.1", "v2.0.0"});
  CHECK(h.scenario == "release-check");

  REQUIRE(h.warnings.size() == 3);
  const auto warned = [&](const std::string& file, const std::string& why) {
    return std::any_of(h.warnings.begin(), h.warnings.end(), [&](const std::string& w) {
      return w.find(file) != std::string::npos && w.find(why) != std::string::npos;
    });
  };
  CHECK(warned("v1.10.2.json", "step 2: duration 10s vs 20s"));
  CHECK(warned("v1.11.0.json", "not JSON"));
  CHECK(warned("notes", "without result.json"));

  for (const auto scope : {"step 2: 100 users", "run"}) {
    const auto& p95 = trend(h, scope, Metric::kP95);
    REQUIRE(p95.entered.has_value());
    CHECK(*p95.entered == 1);  // v1.10.0
    CHECK(p95.persisted());
    CHECK(p95.changes ==
          std::vector<Change>{Change::kSame, Change::kWorse, Change::kSame, Change::kSame});
    CHECK_THAT(p95.entry_words, Contains("v1.10.0 p95 is 60"));
    CHECK_THAT(p95.entry_words, Contains("slower than v1.9.0"));
  }
  CHECK_FALSE(trend(h, "run", Metric::kP50).entered.has_value());
  CHECK_FALSE(trend(h, "run", Metric::kRate).entered.has_value());
  // The newest release is no worse than the one before it: not a regression for the gate.
  CHECK(h.newest_regressions().empty());

  const auto table = lg::reports::history_table(h);
  CHECK_THAT(table, Contains("natural version order (v1.9.0 < v1.10.0 < v1.10.1 < v2.0.0)"));
  CHECK_THAT(table, Contains("entered at v1.10.0 (+60%), persisted through v2.0.0"));
  CHECK_THAT(table, Contains("80.0ms !"));
  CHECK_THAT(lg::reports::history_summary(h),
             Contains("no regression in the newest release v2.0.0 against v1.10.1"));
}

TEST_CASE("history: one noisy release recovers, a regression in the newest fails the gate",
          "[reports][history]") {
  std::vector<lg::reports::Release> rs{{"v1", "v1.json", release_result(50, 0)},
                                       {"v2", "v2.json", release_result(90, 1)},
                                       {"v3", "v3.json", release_result(51, 2)},
                                       {"v4", "v4.json", release_result(75, 3)}};
  const auto h = lg::reports::analyze_history(rs, {}, {});
  const auto& p95 = trend(h, "run", Metric::kP95);
  REQUIRE(p95.entered.has_value());
  CHECK(*p95.entered == 1);
  REQUIRE(p95.recovered.has_value());
  CHECK(*p95.recovered == 2);
  CHECK_FALSE(p95.persisted());
  CHECK(lg::reports::trend_words(h, p95) ==
        "entered at v2 (+80%), recovered at v3, worse again at v4");
  const auto newest = h.newest_regressions();
  CHECK(newest.size() == 4);  // p95 and p99, step 2 and run
  CHECK_THAT(lg::reports::history_summary(h),
             Contains("REGRESSION: the newest release v4 is worse than v3 in 4 metrics"));
}

TEST_CASE("history: fewer than two comparable results leave no trends", "[reports][history]") {
  TempDir dir;
  write_file(dir.path(), "v1", release_result(50, 0));
  const auto h = read_history(dir.path());
  CHECK(h.releases.size() == 1);
  CHECK(h.trends.empty());
  CHECK_FALSE(lg::reports::read_history_folder(dir.path() / "missing").has_value());
}
