// The one JSON walker's two modes: what both share (pointers, type checks, fallbacks) and where
// strict (scenario files) and tolerant (result.json) differ.
#include "loadgen/json/walker.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

using lg::json::Mode;
using lg::json::Type;
using Strict = lg::json::Walker<nlohmann::ordered_json>;
using Tolerant = lg::json::Walker<nlohmann::json>;

}  // namespace

TEST_CASE("typed accessors return the value, or nullopt and one error naming the pointer",
          "[json]") {
  const auto doc = nlohmann::json::parse(
      R"({"name": "x", "n": 7, "f": 0.5, "b": true, "neg": -1, "arr": [1, "two"]})");
  Tolerant w(Mode::kTolerant);
  const auto root = Tolerant::root(doc);
  CHECK(w.text(w.field(root, "name")) == "x");
  CHECK(w.integer(w.field(root, "n"), 0, 10) == 7u);
  CHECK(w.number(w.field(root, "f"), 0, 1) == 0.5);
  CHECK(w.boolean(w.field(root, "b")) == true);
  CHECK(w.errors.empty());

  CHECK_FALSE(w.integer(w.field(root, "neg")));
  CHECK_FALSE(w.integer(w.field(root, "n"), 0, 5));
  CHECK_FALSE(w.text(w.items(w.field(root, "arr"))[0]));
  CHECK_FALSE(w.number(w.field(root, "name"), 0, 1));
  REQUIRE(w.errors.size() == 4);
  CHECK(w.errors[0].pointer == "/neg");
  CHECK(w.errors[0].message == "expected an integer in [0, 18446744073709551615], found -1");
  CHECK(w.errors[1].message == "expected an integer in [0, 5], found 7");
  CHECK(w.errors[2].pointer == "/arr/0");
  CHECK(w.errors[2].message == "expected a string, found 1");
  CHECK(w.errors[3].message == "expected a number in [0.0, 1.0], found \"x\"");
}

TEST_CASE("absent keys: required ones are reported, optional ones give the fallback", "[json]") {
  const auto doc = nlohmann::json::parse(R"({"a": 1})");
  Tolerant w(Mode::kTolerant);
  const auto root = Tolerant::root(doc);
  CHECK_FALSE(w.text(w.optional(root, "later")));
  CHECK(w.errors.empty());
  CHECK_FALSE(w.text(w.field(root, "missing")));
  REQUIRE(w.errors.size() == 1);
  CHECK(w.errors[0].message == "expected a string, found nothing (the key is missing)");
  // Below a mistyped parent only the parent is reported.
  CHECK_FALSE(w.boolean(w.field(w.field(root, "a"), "child")));
  REQUIRE(w.errors.size() == 2);
  CHECK(w.errors[1].pointer == "/a");
  CHECK(w.errors[1].message == "expected an object, found 1");
}

TEST_CASE("tolerant: one error per pointer and RFC 6901 pointers", "[json]") {
  const auto doc = nlohmann::json::parse(R"({"a/b": {"c~d": "s"}})");
  Tolerant w(Mode::kTolerant);
  const auto n = w.field(w.field(Tolerant::root(doc), "a/b"), "c~d");
  CHECK(n.ptr == "/a~1b/c~0d");
  CHECK_FALSE(w.boolean(n));
  CHECK_FALSE(w.number(n));
  w.error(n.ptr, "a second problem here");
  REQUIRE(w.errors.size() == 1);
  CHECK(w.errors[0].message == "expected true or false, found \"s\"");
}

TEST_CASE("strict: every error kept, clean reads remembered, pointers as written", "[json]") {
  const auto doc = nlohmann::ordered_json::parse(R"({"x/y": 1, "zz": 2, "arrival": "uniform"})");
  Strict w(Mode::kStrict);
  const auto root = Strict::root(doc);
  w.only_keys(root, {"zz", "arrival"});
  REQUIRE(w.errors.size() == 1);
  CHECK(w.errors[0].pointer == "/x/y");
  CHECK(w.errors[0].message == "unknown key \"x/y\" (accepted keys: zz, arrival)");

  const auto zz = Strict::at(doc["zz"], "/zz");
  CHECK(w.integer(zz, 1, 5) == 2u);
  CHECK(w.read_ok("/zz"));
  w.error("/zz", "a cross-field problem", {"/x/y"});
  w.error("/zz", "and another");
  CHECK_FALSE(w.read_ok("/zz"));
  REQUIRE(w.errors.size() == 3);
  CHECK(w.errors[1].related == std::vector<std::string>{"/x/y"});
  CHECK_FALSE(w.clean_under(""));

  const auto mark = w.mark();
  CHECK_FALSE(w.boolean(zz));
  CHECK_FALSE(w.clean_since(mark));
  CHECK(w.errors.back().message == "expected true or false, got 2");
}

TEST_CASE("choice: the value's index, and strict names an unknown value", "[json]") {
  const auto doc = nlohmann::ordered_json::parse(R"({"a": "poisson", "b": "uniform", "v": 1})");
  const std::vector<std::string> arrivals{"constant", "poisson"};
  Strict s(Mode::kStrict);
  CHECK(s.choice(Strict::at(doc["a"], "/a"), arrivals) == 1u);
  CHECK(s.choice(Strict::at(doc["v"], "/v"), {"1"}, Type::kInteger) == 0u);
  CHECK_FALSE(s.choice(Strict::at(doc["b"], "/b"), arrivals));
  CHECK_FALSE(s.choice(Strict::at(doc["v"], "/v"), arrivals));
  REQUIRE(s.errors.size() == 2);
  CHECK(s.errors[0].message == "unknown value \"uniform\" (accepted: \"constant\", \"poisson\")");
  CHECK(s.errors[1].message == "expected one of \"constant\", \"poisson\", got 1");

  const auto tdoc = nlohmann::json::parse(R"({"b": "uniform"})");
  Tolerant t(Mode::kTolerant);
  CHECK_FALSE(t.choice(t.field(Tolerant::root(tdoc), "b"), arrivals));
  REQUIRE(t.errors.size() == 1);
  CHECK(t.errors[0].message == "expected one of \"constant\", \"poisson\", found \"uniform\"");
}

TEST_CASE("show() shortens long values, expected() adds why", "[json]") {
  const nlohmann::json long_text = std::string(100, 'x');
  const auto shown = Tolerant::show(long_text);
  CHECK(shown.size() == 60);
  CHECK(shown.ends_with("..."));
  Tolerant w(Mode::kTolerant);
  const nlohmann::json v = "ftp://x";
  w.expected(Tolerant::at(v, "/target"), "a URL", "unsupported scheme");
  REQUIRE(w.errors.size() == 1);
  CHECK(w.errors[0].message == "expected a URL, found \"ftp://x\": unsupported scheme");
}

TEST_CASE("members keep the document's order (ordered_json: as the file gives them)", "[json]") {
  const auto doc = nlohmann::ordered_json::parse(R"({"b": 1, "a": 2})");
  Strict w(Mode::kStrict);
  const auto m = w.members(Strict::root(doc));
  REQUIRE(m.size() == 2);
  CHECK(m[0].first == "b");
  CHECK(m[1].second.ptr == "/a");
}
