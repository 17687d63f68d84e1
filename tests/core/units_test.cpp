// Units: durations and rates as users write them, and how reports print them. Table-driven.
#include "loadgen/core/units.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/support/refusal.h"

using Catch::Matchers::Contains;
using lg::test::check_refused;

TEST_CASE("units: parse_duration accepts every unit and decimal numbers", "[units]") {
  auto [text, ns] = GENERATE(table<std::string, std::int64_t>({
      {"500ns", 500},
      {"10us", 10'000},
      {"10\u00b5s", 10'000},
      {"250ms", 250'000'000},
      {"1.5s", 1'500'000'000},
      {"2m", 120'000'000'000},
      {"2min", 120'000'000'000},
      {"1h", 3'600'000'000'000},
      {"0s", 0},
      {"0.0ms", 0},
      {".5s", 500'000'000},
      {"5.s", 5'000'000'000},
      {"0.1s", 100'000'000},  // exact decimal, no binary floating point drift
      {"0.3s", 300'000'000},
      {"1.0000000004s", 1'000'000'000},  // rounds to the nearest nanosecond
      {"1.0000000005s", 1'000'000'001},  // halves round up
      {"1.25us", 1'250},
      {"0.0000000001h", 360},
      {"0.0000000000001h", 0},  // 0.36 ns
      {"007ms", 7'000'000},
      {"1.123456789012345678901234s", 1'123'456'789},
      {"9223372036854775807ns", std::numeric_limits<std::int64_t>::max()},
      {"9223372036.854775807s", std::numeric_limits<std::int64_t>::max()},
      {"2562047h", 9'223'369'200'000'000'000},
  }));
  CAPTURE(text);
  const auto got = lg::parse_duration(text);
  REQUIRE(got.has_value());
  CHECK(*got == ns);
}

TEST_CASE("units: parse_duration rejects bad input, naming it and the accepted units", "[units]") {
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"", "invalid duration \"\": empty"},
      {"-1s", "invalid duration \"-1s\": must not be negative"},
      {"-0s", "must not be negative"},
      {"+1s", "missing or malformed number"},
      {"ms", "missing or malformed number"},
      {".s", "missing or malformed number"},
      {" 1s", "missing or malformed number"},
      {"250", "invalid duration \"250\": missing unit"},
      {"1.5", "missing unit"},
      {"10sec", "unknown unit \"sec\""},
      {"1 s", "unknown unit \" s\""},
      {"1s ", "unknown unit \"s \""},
      {"1S", "unknown unit \"S\""},
      {"1e3ms", "unknown unit \"e3ms\""},
      {"1.2.3s", "unknown unit \".3s\""},
      {"1d", "unknown unit \"d\""},
      {"inf s", "missing or malformed number"},
      {"9223372036854775808ns", "too large"},
      {"9223372036.854775808s", "too large"},
      {"2562048h", "too large"},
      {"99999999999999999999999999999h", "too large"},
  }));
  CAPTURE(text);
  check_refused(lg::parse_duration(text), {why, "ns, us, ms, s, m or min, h"});
}

TEST_CASE("units: parse_duration quotes very long input only in part", "[units]") {
  const std::string text(1000, '7');
  const auto got = lg::parse_duration(text);
  REQUIRE_FALSE(got.has_value());
  CHECK(got.error().size() < 300);
  CHECK_THAT(got.error(), Contains("...\""));
}

TEST_CASE("units: parse_rate converts to requests per second", "[units]") {
  auto [text, rps] = GENERATE(table<std::string, double>({
      {"1500/s", 1500.0},
      {"0/s", 0.0},
      {"2.5/s", 2.5},
      {"2/m", 2.0 / 60},
      {"2/min", 2.0 / 60},
      {"120/min", 2.0},
      {"100/h", 100.0 / 3600},
      {"3600/h", 1.0},
      {".5/s", 0.5},
      {"1000000/s", 1e6},
  }));
  CAPTURE(text);
  const auto got = lg::parse_rate(text);
  REQUIRE(got.has_value());
  CHECK(*got == Approx(rps).epsilon(1e-12));
}

TEST_CASE("units: parse_rate rejects bad input, naming it and the accepted units", "[units]") {
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"", "invalid rate \"\": empty"},
      {"-5/s", "invalid rate \"-5/s\": must not be negative"},
      {"1500", "missing \"/<unit>\" after the number"},
      {"1500rps", "missing \"/<unit>\""},
      {"1500 /s", "missing \"/<unit>\""},
      {"/s", "missing or malformed number"},
      {"1500/", "unknown unit \"\""},
      {"1500/sec", "unknown unit \"sec\""},
      {"1500/ms", "unknown unit \"ms\""},
      {"1500/s ", "unknown unit \"s \""},
      {"1e3/s", "missing \"/<unit>\""},
      {"nan/s", "missing or malformed number"},
      {std::string(400, '9') + "/s", "number too large"},
  }));
  CAPTURE(text);
  check_refused(lg::parse_rate(text), {why, "s, m or min, h"});
}

TEST_CASE("units: format_duration_us prints 3 significant digits in a fitting unit", "[units]") {
  auto [us, text] = GENERATE(table<double, std::string>({
      {0.0, "0us"},
      {0.5, "500ns"},
      {0.0123, "12.3ns"},
      {0.0004, "0.40ns"},
      {0.9999, "1.00us"},
      {1.0, "1.00us"},
      {12.34, "12.3us"},
      {850.0, "850us"},
      {999.4, "999us"},
      {999.5, "1.00ms"},
      {1234.0, "1.23ms"},
      {99'960.0, "100ms"},
      {250'000.0, "250ms"},
      {2'500'000.0, "2.50s"},
      {100'000'000.0, "100s"},
      {1'234'567'890.0, "1235s"},
      {-1500.0, "-1.50ms"},
      {std::numeric_limits<double>::infinity(), "n/a"},
      {std::numeric_limits<double>::quiet_NaN(), "n/a"},
  }));
  CAPTURE(us);
  CHECK(lg::format_duration_us(us) == text);
}

TEST_CASE("units: format_rate prints 3 significant digits with k/M/G", "[units]") {
  auto [rps, text] = GENERATE(table<double, std::string>({
      {0.0, "0/s"},
      {0.0004, "0/s"},
      {0.001, "0.001/s"},
      {2.0 / 60, "0.0333/s"},
      {0.5, "0.5/s"},
      {1.0, "1/s"},
      {12.34, "12.3/s"},
      {12.0, "12/s"},
      {950.0, "950/s"},
      {999.4, "999/s"},
      {999.6, "1k/s"},
      {1500.0, "1.5k/s"},
      {12'345.0, "12.3k/s"},
      {2'000'000.0, "2M/s"},
      {3.5e9, "3.5G/s"},
      {4.2e12, "4200G/s"},
      {-1500.0, "-1.5k/s"},
      {std::numeric_limits<double>::infinity(), "n/a"},
  }));
  CAPTURE(rps);
  CHECK(lg::format_rate(rps) == text);
}

TEST_CASE("units: a formatted duration parses back within 3 significant digits", "[units]") {
  const double us = GENERATE(0.75, 3.0, 42.42, 999.0, 1234.5, 65'432.1, 7'654'321.0);
  const std::string text = lg::format_duration_us(us);
  CAPTURE(us, text);
  const auto ns = lg::parse_duration(text);
  REQUIRE(ns.has_value());
  CHECK(static_cast<double>(*ns) / 1000.0 == Approx(us).epsilon(0.005));
}
