// The action executor the app hands the engine (loadgen/actions/executor.h): "noop" succeeds
// with "done"; a kind it does not run fails, naming the kind (the loader refuses such a kind
// first; this is the executor's own guard).
#include "loadgen/actions/executor.h"

#include <catch2/catch.hpp>

#include "scenarios/scenario_keys.h"

using Catch::Matchers::Contains;

TEST_CASE("executor: noop succeeds with \"done\"", "[actions]") {
  const auto out = lg::actions::run_action({1'000'000'000, "noop", "r2"});
  CHECK(out.ok);
  CHECK(out.text == "done");
}

TEST_CASE("executor: an unknown kind fails and names it", "[actions]") {
  const auto out = lg::actions::run_action({0, "kill", "r1"});
  CHECK_FALSE(out.ok);
  CHECK_THAT(out.text, Contains("unknown action kind 'kill'"));
  CHECK_THAT(out.text, Contains("noop"));
}

TEST_CASE("executor: the kinds a scenario may name are the kinds it runs", "[actions]") {
  // The loader's list (and through schema_test.cpp the schema's) against the executor's table.
  const auto* key = lg::scenarios::find_key("/actions/*/kind");
  REQUIRE(key != nullptr);
  CHECK(key->values == lg::actions::action_kinds());
}
