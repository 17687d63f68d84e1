// OutDir in process: created, locked, refused when in use or holding a result, default names
// that never collide, the fallback path. The binary's side of it is in cli_out_test.cpp.
#include "loadgen/app/out_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "loadgen/app/cli.h"
#include "loadgen/core/exit_codes.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using lg::app::OutDir;

TEST_CASE("out dir: created with its parents, locked with our pid, released clean", "[cli][out]") {
  lg::test::TempDir tmp;
  const auto dir = tmp.path() / "a" / "b";
  {
    auto out = OutDir::claim(dir, false);
    REQUIRE(out.has_value());
    CHECK(out->path() == dir);
    CHECK(fs::is_directory(dir));
    std::ifstream lock(dir / lg::app::kOutLockFile);
    std::string pid;
    lock >> pid;
    CHECK(pid == std::to_string(getpid()));
    // The probe file is gone again: only the lock is there.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
    CHECK(entries == 1);
    std::ofstream(dir / "result.json") << "{}";
  }
  CHECK_FALSE(fs::exists(dir / lg::app::kOutLockFile));
  CHECK(fs::exists(dir / "result.json"));  // a folder with content stays
}

TEST_CASE("out dir: a folder in use is refused naming the holder's pid", "[cli][out]") {
  lg::test::TempDir tmp;
  auto first = OutDir::claim(tmp.path(), false);
  REQUIRE(first.has_value());
  // flock locks belong to the open file, so a second claim in this process conflicts too.
  auto second = OutDir::claim(tmp.path(), true);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().exit_code == lg::kExitInvalidInput);
  CHECK_THAT(second.error().message,
             Catch::Matchers::Contains("in use by another loadgen run (pid " +
                                       std::to_string(getpid()) + ","));
  CHECK_THAT(second.error().message, Catch::Matchers::Contains(tmp.path().string()));
  first = OutDir::claim(tmp.path() / "elsewhere", false);  // releases the first claim
  REQUIRE(first.has_value());
  CHECK(OutDir::claim(tmp.path(), false).has_value());
}

TEST_CASE("out dir: an existing result.json needs overwrite", "[cli][out]") {
  lg::test::TempDir tmp;
  std::ofstream(tmp.path() / "result.json") << "{\"old\": true}";
  auto refused = OutDir::claim(tmp.path(), false);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().exit_code == lg::kExitInvalidInput);
  CHECK_THAT(refused.error().message, Catch::Matchers::Contains("--overwrite"));
  CHECK_FALSE(fs::exists(tmp.path() / lg::app::kOutLockFile));
  CHECK(OutDir::claim(tmp.path(), true).has_value());
}

TEST_CASE("out dir: a file, or a path under one, is an environment error with errno text",
          "[cli][out]") {
  lg::test::TempDir tmp;
  const auto file = tmp.path() / "plain";
  std::ofstream(file) << "x";
  for (const auto& p : {file, file / "sub", fs::path("/proc/loadgen-no-such-dir/out")}) {
    auto out = OutDir::claim(p, false);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().exit_code == lg::kExitEnvironment);
    CHECK_THAT(out.error().message, Catch::Matchers::Contains(p.string()));
  }
  CHECK_THAT(OutDir::claim(file, false).error().message,
             Catch::Matchers::Contains("Not a directory"));
  CHECK_THAT(OutDir::claim("/proc/loadgen-no-such-dir", false).error().message,
             Catch::Matchers::Contains("No such file or directory"));
}

TEST_CASE("out dir: default folders never collide, and an unused one is removed", "[cli][out]") {
  lg::test::TempDir tmp;
  const auto base = tmp.path() / "results";
  auto a = OutDir::claim_new(base, "run-20260101-120000");
  auto b = OutDir::claim_new(base, "run-20260101-120000");
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->path() == base / "run-20260101-120000");
  CHECK(b->path() == base / "run-20260101-120000-2");
  std::ofstream(a->path() / "result.json") << "{}";
  a = OutDir::claim_new(base, "other");  // releases the first: it has a result, it stays
  CHECK(fs::exists(base / "run-20260101-120000" / "result.json"));
  b = OutDir::claim_new(base, "third");  // releases -2, which is empty: removed
  CHECK_FALSE(fs::exists(base / "run-20260101-120000-2"));
  auto c = OutDir::claim_new(base, "run-20260101-120000");
  REQUIRE(c.has_value());
  CHECK(c->path() == base / "run-20260101-120000-2");  // free again
}

TEST_CASE("out dir: default stem and fallback path", "[cli][out]") {
  const auto stem = lg::app::default_out_stem("a/b c", 0);
  CHECK(stem.starts_with("a_b_c-19"));  // 1970 (or 1969 west of UTC)
  CHECK(stem.size() == std::string("a_b_c-YYYYMMDD-HHMMSS").size());
  CHECK(lg::app::default_out_stem("..", 0).starts_with("_.-"));
  const auto fb = lg::app::fallback_result_path(1767225600);
  CHECK(fb.parent_path() == fs::temp_directory_path());
  CHECK(fb.filename() == "loadgen-result-" + std::to_string(getpid()) + "-1767225600.json");
}

TEST_CASE("cli: --slo is repeatable, checked at parse time, refused on URL runs for the stack",
          "[cli][slo]") {
  using lg::app::parse_args;
  auto ok = parse_args({"http://127.0.0.1:9/", "--rate", "1/s", "--slo", "p95 < 200ms", "--slo",
                        "run: error_rate < 1%", "--overwrite", "--out", "x"});
  REQUIRE(ok.has_value());
  const auto* url = std::get_if<lg::app::RunUrlCommand>(&*ok);
  REQUIRE(url != nullptr);
  std::vector<std::string> slos;
  for (const auto& slo : url->run.slos) slos.push_back(lg::validators::slo_source(slo));
  CHECK(slos == std::vector<std::string>{"p95 < 200ms", "run: error_rate < 1%"});
  CHECK(url->run.overwrite);
  CHECK(url->run.out_dir == "x");

  auto bad = parse_args({"http://127.0.0.1:9/", "--rate", "1/s", "--slo", "p95 < fast"});
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error(), Catch::Matchers::Contains("--slo 'p95 < fast'"));
  CHECK_THAT(bad.error(), Catch::Matchers::Contains("accepted"));

  auto stack = parse_args({"http://127.0.0.1:9/", "--rate", "1/s", "--slo", "replicas >= 2"});
  REQUIRE_FALSE(stack.has_value());
  CHECK_THAT(stack.error(), Catch::Matchers::Contains("judges the embedded stack"));

  // A scenario may have the stack: judged once the scenario is loaded.
  auto scenario = parse_args({"s.json", "--slo", "balance <= 1.5"});
  REQUIRE(scenario.has_value());
  const auto* run = std::get_if<lg::app::RunScenarioCommand>(&*scenario);
  REQUIRE(run != nullptr);
  CHECK(run->run.slos.size() == 1);
  CHECK_FALSE(parse_args({"s.json", "--out", ""}).has_value());
}
