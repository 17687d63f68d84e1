// The autoscaler's event log read back with times aligned to the run's clock.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "reports/result/stack_events.h"

namespace fs = std::filesystem;

namespace {

fs::path write_log(const std::string& name, const std::string& text) {
  const auto p = fs::temp_directory_path() / (name + "-" + std::to_string(getpid()) + ".jsonl");
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST_CASE("stack events: ISO 8601 UTC times to epoch milliseconds", "[events]") {
  CHECK(lg::reports::parse_iso_utc_ms("1970-01-01T00:00:01Z") == Approx(1000.0));
  CHECK(lg::reports::parse_iso_utc_ms("2026-11-22T04:20:01.250Z") ==
        Approx(1795321201250.0).epsilon(1e-12));
  CHECK_FALSE(lg::reports::parse_iso_utc_ms("yesterday").has_value());
}

TEST_CASE("stack events: lines become events on the run's time axis", "[events]") {
  const auto p = write_log(
      "events",
      R"({"time": "1970-01-01T00:00:12.500Z", "type": "scale_up", "from": 2, "to": 3, "reason": "cpu 83% > 70%", "inputs": {"cpu_percent": 83.0, "replicas": 2}}
{"unix_ms": 20000, "type": "scale_down", "from": 3, "to": 2, "reason": "all low"}
)");
  const auto events = lg::reports::read_stack_events(p, 10'000.0);  // the run began at 10 s
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].t_s == Approx(2.5));
  CHECK((*events)[0].type == "scale_up");
  CHECK((*events)[0].from == 2);
  CHECK((*events)[0].to == 3);
  CHECK((*events)[0].reason == "cpu 83% > 70%");
  REQUIRE((*events)[0].inputs.size() == 2);
  CHECK((*events)[1].t_s == Approx(10.0));
  fs::remove(p);
}

TEST_CASE("stack events: a missing log is no events, a bad line is an error", "[events]") {
  const auto none = lg::reports::read_stack_events("/nonexistent/events.jsonl", 0);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  const auto p = write_log("bad-events", "{\"type\": \"scale_up\"}\nnot json\n");
  const auto bad = lg::reports::read_stack_events(p, 0);
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error(), Catch::Contains(":1: no usable"));
  fs::remove(p);
}

TEST_CASE("stack events: a field of the wrong type is a bad line, not an exception", "[events]") {
  const auto from =
      write_log("bad-from.jsonl", R"({"unix_ms": 1000, "type": "scale_up", "from": "two", "to": 3})"
                                  "\n");
  auto r = lg::reports::read_stack_events(from, 0);
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Catch::Matchers::Contains("\"from\" is not a non-negative integer"));
  const auto type = write_log("bad-type.jsonl", R"({"unix_ms": 1000, "type": 7})"
                                                "\n");
  auto t = lg::reports::read_stack_events(type, 0);
  REQUIRE_FALSE(t.has_value());
  CHECK_THAT(t.error(), Catch::Matchers::Contains("\"type\" is not a string"));
}
