// The scenario reader's shape checks: an object (with its keys checked against the format) or
// an array (possibly required non-empty), each reported as "expected WHAT, got VALUE".
#include "scenarios/reader.h"

#include <catch2/catch.hpp>

#include <string>

using lg::scenarios::detail::json;
using lg::scenarios::detail::Reader;

TEST_CASE("scenario reader: object() checks the type, then the keys", "[scenarios]") {
  Reader r;
  CHECK(r.object(json::parse(R"({"min": 1})"), "/stack/replicas", "{\"min\": N}"));
  CHECK(r.errors.empty());

  CHECK_FALSE(r.object(json::parse("[1]"), "/stack/replicas", "{\"min\": N}"));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].pointer == "/stack/replicas");
  CHECK(r.errors[0].message == "expected {\"min\": N}, got [1]");

  CHECK(r.object(json::parse(R"({"least": 1})"), "/stack/replicas", "{\"min\": N}"));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[1].pointer == "/stack/replicas/least");
}

TEST_CASE("scenario reader: array() checks the type and the least size", "[scenarios]") {
  Reader r;
  CHECK(r.array(json::array(), "/actions", "an array"));
  CHECK(r.errors.empty());
  CHECK_FALSE(r.array(json::array(), "/steps", "a non-empty array", 1));
  CHECK_FALSE(r.array(json::parse("{}"), "/actions", "an array"));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].pointer == "/steps");
  CHECK(r.errors[0].message == "expected a non-empty array, got []");
  CHECK(r.errors[1].message == "expected an array, got {}");
}
