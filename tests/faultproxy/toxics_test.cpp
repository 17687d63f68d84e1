// The fault proxy's pacing (loadgen/faultproxy/toxics.h): due times per chunk for latency,
// jitter and bandwidth, in order.
#include "loadgen/faultproxy/toxics.h"

#include <catch2/catch.hpp>

using lg::faultproxy::Lane;
using lg::faultproxy::Toxic;

namespace {
constexpr std::int64_t kMs = 1'000'000;

// Designated initialisers that leave fields out are a warning here (-Wextra).
Toxic toxic(std::int64_t latency_ns, std::int64_t jitter_ns = 0, std::uint64_t bytes_per_s = 0) {
  Toxic t;
  t.latency_ns = latency_ns;
  t.jitter_ns = jitter_ns;
  t.bytes_per_s = bytes_per_s;
  return t;
}
}  // namespace

TEST_CASE("toxics: no toxic is not active; any field makes it active", "[faultproxy]") {
  CHECK_FALSE(Toxic{}.active());
  CHECK(toxic(1).active());
  CHECK(toxic(0, 1).active());
  CHECK(toxic(0, 0, 1).active());
}

TEST_CASE("toxics: a latency delays every chunk by exactly that much", "[faultproxy]") {
  Lane lane;
  const Toxic t = toxic(200 * kMs);
  CHECK(lane.due(0, 100, t, 0.0) == 200 * kMs);
  CHECK(lane.due(5 * kMs, 100, t, 0.0) == 205 * kMs);
  CHECK(lane.due(500 * kMs, 1, t, 0.0) == 700 * kMs);
}

TEST_CASE("toxics: jitter stays within +/- its bound, never below zero, never reorders",
          "[faultproxy]") {
  const Toxic t = toxic(10 * kMs, 4 * kMs);
  Lane a;
  CHECK(a.due(0, 1, t, 1.0) == 14 * kMs);
  Lane b;
  CHECK(b.due(0, 1, t, -1.0) == 6 * kMs);
  // A chunk drawn early cannot overtake the one before it.
  Lane c;
  CHECK(c.due(0, 1, t, 1.0) == 14 * kMs);
  CHECK(c.due(1 * kMs, 1, t, -1.0) == 14 * kMs);
  // More jitter than latency: the delay is clipped at 0, not negative.
  Lane d;
  CHECK(d.due(3 * kMs, 1, toxic(1 * kMs, 5 * kMs), -1.0) == 3 * kMs);
  // u outside [-1, 1] is clamped.
  Lane e;
  CHECK(e.due(0, 1, t, 7.0) == 14 * kMs);
}

TEST_CASE("toxics: a bandwidth spaces chunks by their size over the rate", "[faultproxy]") {
  Lane lane;
  const Toxic t = toxic(0, 0, 1000);                    // 1 byte per ms
  CHECK(lane.due(0, 100, t, 0.0) == 100 * kMs);         // the line is free: 100 bytes take 100 ms
  CHECK(lane.due(10 * kMs, 50, t, 0.0) == 150 * kMs);   // waits for the line, then 50 ms
  CHECK(lane.due(400 * kMs, 10, t, 0.0) == 410 * kMs);  // idle line again
  // With a latency too: ready after the latency, then on the line.
  Lane both;
  CHECK(both.due(0, 100, toxic(20 * kMs, 0, 1000), 0.0) == 120 * kMs);
}

TEST_CASE("toxics: the control line sets each toxic by key", "[faultproxy]") {
  const auto t = lg::faultproxy::parse_toxics(
      "down.latency_ms=200 down.jitter_ms=20.5 up.kbps=64 up.latency_ms=1 hang=1");
  REQUIRE(t.has_value());
  CHECK(t->downstream.latency_ns == 200 * kMs);
  CHECK(t->downstream.jitter_ns == 20'500'000);
  CHECK(t->upstream.bytes_per_s == 64'000);
  CHECK(t->upstream.latency_ns == 1 * kMs);
  CHECK(t->hang);
  CHECK_FALSE(t->reset);
  CHECK(t->downstream.bytes_per_s == 0);
  const auto none = lg::faultproxy::parse_toxics("clear");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->upstream.active());
  CHECK_FALSE(none->downstream.active());
  CHECK_FALSE(none->hang);
  CHECK(lg::faultproxy::parse_toxics("")->reset == false);
  CHECK(lg::faultproxy::parse_toxics("reset=1")->reset);
}

TEST_CASE("toxics: a bad control line names the key and what is accepted", "[faultproxy]") {
  using Catch::Matchers::Contains;
  const auto unknown = lg::faultproxy::parse_toxics("down.latency=5");
  REQUIRE_FALSE(unknown.has_value());
  CHECK_THAT(unknown.error(), Contains("unknown toxic 'down.latency'"));
  CHECK_THAT(unknown.error(), Contains("down.latency_ms"));
  CHECK(lg::faultproxy::parse_toxics("hang").error() == "hang: needs =VALUE");
  CHECK(lg::faultproxy::parse_toxics("hang=2").error() == "hang=2: must be 0 or 1");
  CHECK(lg::faultproxy::parse_toxics("up.kbps=-1").error() == "up.kbps=-1: must be a number >= 0");
  CHECK(lg::faultproxy::parse_toxics("up.kbps=5x").error() == "up.kbps=5x: must be a number >= 0");
}
