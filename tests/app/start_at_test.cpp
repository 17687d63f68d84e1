// --start-at TIME: the accepted forms (tables), the range check against an injected "now",
// and the interruptible wait.
#include "loadgen/app/start_at.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using Catch::Matchers::Contains;
using lg::app::WallTime;
using namespace std::chrono;

namespace {

WallTime at_ms(std::int64_t ms) {
  return WallTime(milliseconds(ms));
}

constexpr std::int64_t k2026 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z in ms

}  // namespace

TEST_CASE("start-at: epoch seconds and ISO 8601 UTC parse to the same instant", "[app]") {
  struct Row {
    const char* text;
    std::int64_t ms;
  };
  const Row rows[] = {
      {"1767225600", k2026},
      {"1767225600.25", k2026 + 250},
      {"1767225600.5", k2026 + 500},
      {"0", 0},
      {"2026-01-01T00:00:00Z", k2026},
      {"2026-01-01T00:00:00.250Z", k2026 + 250},
      {"2026-01-01T00:00:00.2Z", k2026 + 200},
      {"2025-12-31T23:59:59.999Z", k2026 - 1},
      {"2028-02-29T12:00:00Z", 1'835'438'400'000},  // a leap day
  };
  for (const auto& r : rows) {
    INFO(r.text);
    const auto t = lg::app::parse_start_at(r.text);
    REQUIRE(t.has_value());
    CHECK(*t == at_ms(r.ms));
  }
  const auto ns = lg::app::parse_start_at("1767225600.123456789");
  REQUIRE(ns.has_value());
  CHECK(ns->time_since_epoch() % seconds(1) == nanoseconds(123'456'789));
}

TEST_CASE("start-at: anything else is refused with what is accepted", "[app]") {
  for (const char* bad : {"", "now", "1e9", "-5", "+5", " 5", "5.", ".5", "5.x", "12:00",
                          "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+01:00",
                          "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00.Z",
                          "2026-01-01T00:00:00ZZ", "2026-01-01t00:00:00z"}) {
    INFO(bad);
    const auto t = lg::app::parse_start_at(bad);
    REQUIRE_FALSE(t.has_value());
    CHECK_THAT(t.error(), Contains("--start-at: expected unix epoch seconds"));
    CHECK_THAT(t.error(), Contains("YYYY-MM-DDTHH:MM:SS[.fff]Z"));
  }
  for (const char* impossible :
       {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z"}) {
    INFO(impossible);
    const auto t = lg::app::parse_start_at(impossible);
    REQUIRE_FALSE(t.has_value());
    CHECK_THAT(t.error(), Contains("no such date or time"));
  }
  CHECK_THAT(lg::app::parse_start_at("1900-01-01T00:00:00Z").error(), Contains("1970..2199"));
  CHECK_THAT(lg::app::parse_start_at("99999999999").error(), Contains("after the year 2199"));
}

TEST_CASE("start-at: at most 24 h ahead and 5 s late, errors name value and now", "[app]") {
  const auto now = at_ms(k2026);
  CHECK(lg::app::check_start_at("1767225600", now).has_value());
  CHECK(lg::app::check_start_at("1767225596", now).has_value());  // 4 s late: start at once
  CHECK(lg::app::check_start_at("1767312000", now).has_value());  // exactly 24 h ahead
  const auto late = lg::app::check_start_at("1767225594", now);
  REQUIRE_FALSE(late.has_value());
  CHECK_THAT(late.error(), Contains("--start-at: '1767225594' (2025-12-31T23:59:54.000Z)"));
  CHECK_THAT(late.error(), Contains("passed 6.0 s ago"));
  CHECK_THAT(late.error(), Contains("the current time is 2026-01-01T00:00:00.000Z"));
  const auto far = lg::app::check_start_at("2026-01-02T00:00:01Z", now);
  REQUIRE_FALSE(far.has_value());
  CHECK_THAT(far.error(), Contains("'2026-01-02T00:00:01Z'"));
  CHECK_THAT(far.error(), Contains("at most 24 h ahead"));
  CHECK_THAT(far.error(), Contains("2026-01-01T00:00:00.000Z"));
}

TEST_CASE("start-at: the wait ends at the instant, or at once when stopped", "[app]") {
  std::atomic<bool> stop{false};
  const auto t0 = system_clock::now();
  CHECK(lg::app::wait_for_start(t0 + milliseconds(120), stop, true));
  CHECK(system_clock::now() >= t0 + milliseconds(120));

  const auto t1 = steady_clock::now();
  std::thread interrupter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    stop.store(true);
  });
  CHECK_FALSE(lg::app::wait_for_start(system_clock::now() + seconds(30), stop, true));
  interrupter.join();
  CHECK(steady_clock::now() - t1 < seconds(2));  // polled every 50 ms, not after 30 s
}
