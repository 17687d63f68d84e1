// Histogram: hand-computable fixtures (HdrHistogram style), the precision contract, exact
// merging, and the text encoding including every kind of malformed input.
#include "loadgen/core/histogram.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/refusal.h"

namespace {

using lg::Histogram;
using lg::test::check_refused;

constexpr std::uint64_t kMs = 1000;  // values are microseconds
constexpr std::uint64_t kHour = 3'600'000'000;

// A histogram with a known layout, for tests that need a non-default one.
Histogram make(std::uint64_t highest, int digits) {
  auto h = Histogram::create(highest, digits);
  REQUIRE(h.has_value());
  return *h;
}

// 10,000 values of 1 ms and one of 100 s: the classic fixture, every statistic computable by hand.
Histogram classic_fixture() {
  Histogram h;
  for (int i = 0; i < 10'000; ++i) REQUIRE(h.record(kMs));
  REQUIRE(h.record(100'000'000));
  return h;
}

// SplitMix64: reproducible test data without depending on other modules.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// n pseudo-random latencies spread over every magnitude from 1 us to 2^26 us (about 67 s).
std::vector<std::uint64_t> random_values(std::uint64_t seed, std::uint64_t n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t bits = mix(mix(seed) + i);
    const std::uint64_t magnitude = bits % 27;
    out.push_back(1 + mix(bits) % (std::uint64_t{1} << magnitude));
  }
  return out;
}

Histogram record_all(const std::vector<std::uint64_t>& values, Histogram h = Histogram()) {
  for (const auto v : values) REQUIRE(h.record(v));
  return h;
}

// True when `reported` is within the precision contract of `truth` (never below, at most 1/1024
// above for 3 digits).
bool within_precision(std::uint64_t reported, std::uint64_t truth) {
  return reported >= truth && (reported - truth) * 1024 <= truth;
}

}  // namespace

TEST_CASE("histogram: 10,000 x 1 ms plus one 100 s outlier", "[histogram]") {
  const Histogram h = classic_fixture();
  CHECK(h.total_count() == 10'001);
  CHECK(h.min() == kMs);
  CHECK(h.max() == 100'000'000);
  CHECK(h.value_at_percentile(50) == kMs);
  CHECK(h.value_at_percentile(99) == kMs);
  CHECK(h.value_at_percentile(99.99) == kMs);  // rank ceil(9999.9999) = 10,000
  CHECK(h.value_at_percentile(99.999) == 100'000'000);
  CHECK(h.value_at_percentile(100) == 100'000'000);
  const double exact_mean = (10'000.0 * kMs + 1e8) / 10'001.0;
  CHECK(h.mean() == Approx(exact_mean).epsilon(1.0 / 1000));
}

TEST_CASE("histogram: values below 2048 us are recorded exactly", "[histogram]") {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) REQUIRE(h.record(v));
  for (std::uint64_t v = 0; v < 2048; ++v) {
    CAPTURE(v);
    CHECK(h.lowest_equivalent(v) == v);
    CHECK(h.highest_equivalent(v) == v);
  }
  CHECK(h.total_count() == 1000);
  CHECK(h.value_at_percentile(50) == 500);
  CHECK(h.value_at_percentile(99) == 990);
  CHECK(h.value_at_percentile(99.9) == 999);
  CHECK(h.value_at_percentile(0.1) == 1);
  CHECK(h.mean() == Approx(500.5));
  CHECK(h.lowest_equivalent(2048) == 2048);
  CHECK(h.highest_equivalent(2048) == 2049);  // first slot of width 2
}

TEST_CASE("histogram: slot width never exceeds v/1000 (3 digits)", "[histogram]") {
  const Histogram h;
  auto check = [&](std::uint64_t v) {
    const std::uint64_t lo = h.lowest_equivalent(v);
    const std::uint64_t hi = h.highest_equivalent(v);
    CAPTURE(v, lo, hi);
    REQUIRE(lo <= v);
    REQUIRE(v <= hi);
    REQUIRE((hi - lo) * 1024 <= v);  // the documented bound, H = 1024
    REQUIRE(hi - lo <= v / 1000);    // the promise
    REQUIRE(h.lowest_equivalent(hi) == lo);
    REQUIRE(h.highest_equivalent(lo) == hi);
  };
  for (std::uint64_t v = 0; v <= 300'000; ++v) check(v);
  for (std::uint64_t v = 300'000; v <= 100'000'000; v += v / 997 + 1) check(v);
  for (std::uint64_t shift = 11; shift < 27; ++shift) {  // both sides of every bucket edge
    const std::uint64_t edge = std::uint64_t{1} << shift;
    check(edge - 1);
    check(edge);
    check(edge + 1);
  }
  check(100'000'000);
}

TEST_CASE("histogram: precision bound holds for every layout", "[histogram]") {
  const int digits = GENERATE(1, 2, 3, 4, 5);
  const std::uint64_t highest = GENERATE(std::uint64_t{2}, kHour, UINT64_MAX);
  CAPTURE(digits, highest);
  const Histogram h = make(highest, digits);
  std::uint64_t pow10 = 1;
  for (int i = 0; i < digits; ++i) pow10 *= 10;
  for (std::uint64_t i = 0; i < 20'000; ++i) {
    const std::uint64_t v = i < 5000 ? i : mix(i) >> (i % 64);
    const std::uint64_t width = h.highest_equivalent(v) - h.lowest_equivalent(v);
    CAPTURE(v, width);
    REQUIRE(h.lowest_equivalent(v) <= v);
    REQUIRE(v <= h.highest_equivalent(v));
    REQUIRE(width <= v / pow10);
  }
  CHECK(h.highest_equivalent(UINT64_MAX) == UINT64_MAX);
}

TEST_CASE("histogram: recording out of range returns false and changes nothing", "[histogram]") {
  Histogram h = classic_fixture();
  const Histogram before = h;
  CHECK_FALSE(h.record(100'000'001));
  CHECK_FALSE(h.record(UINT64_MAX, 5));
  CHECK(h == before);
  CHECK(h.record(100'000'000));  // the highest value itself is in range
  CHECK(h.max() == 100'000'000);

  Histogram small = make(2, 1);
  CHECK(small.record(2));
  CHECK_FALSE(small.record(3));
  CHECK(small.total_count() == 1);
}

TEST_CASE("histogram: record with a count, and count 0 is a no-op", "[histogram]") {
  Histogram a;
  Histogram b;
  CHECK(a.record(12'345, 0));
  CHECK(a.total_count() == 0);
  CHECK(a == Histogram());
  CHECK(a.record(12'345, 3));
  for (int i = 0; i < 3; ++i) b.record(12'345);
  CHECK(a == b);
  CHECK(a.min() == 12'345);
  CHECK(a.max() == 12'345);
}

TEST_CASE("histogram: min and max are exact even inside wide slots", "[histogram]") {
  Histogram h;
  h.record(1'000'003);
  h.record(99'999'999);
  h.record(5'000'000);
  CHECK(h.min() == 1'000'003);
  CHECK(h.max() == 99'999'999);
  CHECK(h.value_at_percentile(0) == 1'000'003);
  CHECK(h.value_at_percentile(100) == 99'999'999);
  CHECK(within_precision(h.value_at_percentile(50), 5'000'000));
}

TEST_CASE("histogram: percentiles of random data stay within precision", "[histogram]") {
  auto values = random_values(42, 20'000);
  const Histogram h = record_all(values);
  std::sort(values.begin(), values.end());
  // p in thousandths of a percent, so the rank ceil(p/100 * n) is computed exactly in integers.
  for (const std::size_t p_milli :
       std::vector<std::size_t>{500, 1000, 10'000, 25'000, 50'000, 99'000, 99'900, 99'990}) {
    const double p = static_cast<double>(p_milli) / 1000;
    const std::size_t rank = (p_milli * values.size() + 99'999) / 100'000;
    const std::uint64_t truth = values[rank - 1];
    CAPTURE(p, truth, h.value_at_percentile(p));
    CHECK(within_precision(h.value_at_percentile(p), truth));
  }
}

TEST_CASE("histogram: percentile edge cases", "[histogram]") {
  SECTION("empty histogram reports 0 everywhere") {
    const Histogram h;
    CHECK(h.value_at_percentile(0) == 0);
    CHECK(h.value_at_percentile(50) == 0);
    CHECK(h.value_at_percentile(100) == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
  }
  SECTION("p0 is min, p100 is max, out-of-range p is clamped") {
    const Histogram h = classic_fixture();
    CHECK(h.value_at_percentile(0) == kMs);
    CHECK(h.value_at_percentile(-5) == kMs);
    CHECK(h.value_at_percentile(std::nan("")) == kMs);
    CHECK(h.value_at_percentile(100) == 100'000'000);
    CHECK(h.value_at_percentile(250) == 100'000'000);
  }
  SECTION("a single value is every percentile") {
    Histogram h;
    h.record(54'321);
    for (const double p : {0.0, 0.001, 50.0, 99.999, 100.0}) {
      CAPTURE(p);
      CHECK(h.value_at_percentile(p) == 54'321);  // clamped to [min, max]
    }
  }
  SECTION("the smallest positive p is rank 1") {
    Histogram h;
    h.record(10);
    h.record(20);
    CHECK(h.value_at_percentile(1e-9) == 10);
    CHECK(h.value_at_percentile(50) == 10);
    CHECK(h.value_at_percentile(50.0001) == 20);
  }
}

TEST_CASE("histogram: merge equals recording everything into one", "[histogram]") {
  const auto va = random_values(1, 5000);
  const auto vb = random_values(2, 7000);
  const auto vc = random_values(3, 300);
  std::vector<std::uint64_t> all(va);
  all.insert(all.end(), vb.begin(), vb.end());
  all.insert(all.end(), vc.begin(), vc.end());
  const Histogram a = record_all(va), b = record_all(vb), c = record_all(vc);
  const Histogram expected = record_all(all);

  Histogram ab_c = a;
  CHECK(ab_c.merge(b) == 0);
  CHECK(ab_c.merge(c) == 0);
  CHECK(ab_c == expected);

  SECTION("associative") {
    Histogram bc = b;
    bc.merge(c);
    Histogram a_bc = a;
    a_bc.merge(bc);
    CHECK(a_bc == ab_c);
  }
  SECTION("commutative") {
    Histogram cba = c;
    cba.merge(b);
    cba.merge(a);
    CHECK(cba == ab_c);
  }
  SECTION("empty is the identity, and merging into oneself doubles") {
    Histogram x = a;
    CHECK(x.merge(Histogram()) == 0);
    CHECK(x == a);
    Histogram e;
    e.merge(a);
    CHECK(e == a);
    x.merge(x);
    CHECK(x.total_count() == 2 * a.total_count());
    CHECK(x.min() == a.min());
    CHECK(x.max() == a.max());
  }
}

TEST_CASE("histogram: merge into a smaller range returns the dropped count", "[histogram]") {
  Histogram small = make(10'000, 3);
  const Histogram big = classic_fixture();
  CHECK(small.merge(big) == 1);  // the 100 s outlier does not fit
  CHECK(small.total_count() == 10'000);
  CHECK(small.min() == kMs);
  CHECK(small.max() == kMs);

  Histogram tiny = make(10, 3);
  CHECK(tiny.merge(big) == 10'001);
  CHECK(tiny.total_count() == 0);
  CHECK(tiny == make(10, 3));
}

TEST_CASE("histogram: merge across layouts keeps totals, min, max and precision", "[histogram]") {
  const auto values = random_values(9, 10'000);
  const Histogram src = record_all(values, make(kHour, 2));
  SECTION("coarse into fine") {
    Histogram dst;
    CHECK(dst.merge(src) == 0);
    CHECK(dst.total_count() == src.total_count());
    CHECK(dst.min() == src.min());
    CHECK(dst.max() == src.max());
    for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9}) {
      CAPTURE(p);
      CHECK(dst.value_at_percentile(p) == src.value_at_percentile(p));  // finer: preserved
    }
  }
  SECTION("fine into coarse") {
    const Histogram fine = record_all(values);
    Histogram coarse = make(kHour, 2);
    CHECK(coarse.merge(fine) == 0);
    CHECK(coarse.total_count() == fine.total_count());
    CHECK(coarse.min() == fine.min());
    CHECK(coarse.max() == fine.max());
    for (const double p : {1.0, 50.0, 90.0, 99.0}) {
      const std::uint64_t want = fine.value_at_percentile(p);
      CAPTURE(p, want);
      CHECK(coarse.value_at_percentile(p) >= want);
      CHECK(coarse.value_at_percentile(p) - want <= want / 100);
    }
  }
}

TEST_CASE("histogram: reset empties and keeps the layout", "[histogram]") {
  Histogram h = make(kHour, 4);
  h.record(5);
  h.record(kHour);
  h.reset();
  CHECK(h.total_count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h == make(kHour, 4));
  CHECK(h.highest_trackable() == kHour);
  CHECK(h.significant_digits() == 4);
  h.record(7);
  CHECK(h.min() == 7);
  CHECK(h.max() == 7);
}

TEST_CASE("histogram: for_each_bucket walks non-empty slots in order", "[histogram]") {
  const Histogram h = classic_fixture();
  std::vector<std::vector<std::uint64_t>> seen;
  h.for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t n) {
    seen.push_back({lo, hi, n});
  });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == std::vector<std::uint64_t>{kMs, kMs, 10'000});
  CHECK(seen[1] == std::vector<std::uint64_t>{h.lowest_equivalent(100'000'000),
                                              h.highest_equivalent(100'000'000), 1});
  CHECK(seen[1][0] <= 100'000'000);
  CHECK(100'000'000 <= seen[1][1]);
}

TEST_CASE("histogram: default layout and memory", "[histogram]") {
  const Histogram h;
  CHECK(h.highest_trackable() == 100'000'000);
  CHECK(h.significant_digits() == 3);
  CHECK(h.memory_bytes() <= 150'000);
  CHECK(h.memory_bytes() >= 17'910 * sizeof(std::uint64_t));
  Histogram big = make(UINT64_MAX, 3);  // the full uint64 range is trackable
  CHECK(big.record(UINT64_MAX));
  CHECK(big.max() == UINT64_MAX);
  CHECK(big.value_at_percentile(100) == UINT64_MAX);
}

TEST_CASE("histogram: create() rejects bad layouts with a reason", "[histogram]") {
  auto [highest, digits, why] = GENERATE(table<std::uint64_t, int, std::string>({
      {0, 3, "highest trackable value must be >= 2, got 0"},
      {1, 3, "highest trackable value must be >= 2, got 1"},
      {1000, 0, "significant digits must be in [1, 5], got 0"},
      {1000, 6, "significant digits must be in [1, 5], got 6"},
      {1000, -1, "significant digits must be in [1, 5], got -1"},
  }));
  CAPTURE(highest, digits);
  check_refused(Histogram::create(highest, digits), {why});
}

TEST_CASE("histogram: encode/decode round trip", "[histogram]") {
  auto round_trip = [](const Histogram& h) {
    const std::string text = h.encode();
    CAPTURE(text.substr(0, 200));
    const auto back = Histogram::decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == h);
    CHECK(back->encode() == text);
  };
  SECTION("empty") {
    CHECK(Histogram().encode() == "lgh1:100000000:3:0:0:0:");
    round_trip(Histogram());
    round_trip(make(2, 1));
  }
  SECTION("single value, checked byte by byte") {
    Histogram h;
    h.record(1000);
    // payload: 0, varint 1000 (e8 07): a run of 1000 empty slots, then count 1.
    CHECK(h.encode() == "lgh1:100000000:3:1:1000:1000:AOgHAQ==");
    round_trip(h);
  }
  SECTION("dense: every slot below 100,000 us") {
    Histogram h;
    for (std::uint64_t v = 0; v < 100'000; ++v) h.record(v, v % 7 + 1);
    round_trip(h);
  }
  SECTION("sparse random data, several layouts") {
    round_trip(record_all(random_values(5, 1000)));
    round_trip(record_all(random_values(6, 50), make(kHour, 5)));
    round_trip(record_all(random_values(7, 50), make(UINT64_MAX, 1)));
  }
  SECTION("max value and huge counts") {
    Histogram h;
    h.record(0);
    h.record(100'000'000, UINT64_MAX - 1);
    round_trip(h);
    Histogram full = make(UINT64_MAX, 2);
    full.record(UINT64_MAX, 3);
    round_trip(full);
  }
  SECTION("the classic fixture is short") {
    const std::string text = classic_fixture().encode();
    CHECK(text.size() < 64);
    round_trip(classic_fixture());
  }
}

TEST_CASE("histogram: decode rejects malformed text with a reason", "[histogram]") {
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"", "not an encoded histogram"},
      {"garbage", "not an encoded histogram"},
      {"HIST1:100000000:3:1:1000:1000:AOgHAQ==", "not an encoded histogram"},
      {"lgh1:100000000:3:1:1000:1000", "not an encoded histogram"},
      {"lgh1:100000000:3:1:1000:1000:AOgHAQ==:x", "not an encoded histogram"},
      {"lgh1:1e8:3:1:1000:1000:AOgHAQ==", "header field highest is not a number: \"1e8\""},
      {"lgh1:100000000:three:1:1000:1000:AOgHAQ==", "header field digits is not a number"},
      {"lgh1:100000000:3:-1:1000:1000:AOgHAQ==", "header field total is not a number"},
      {"lgh1:100000000:3:1::1000:AOgHAQ==", "header field min is not a number"},
      {"lgh1:100000000:3:1:1000: 1000:AOgHAQ==", "header field max is not a number"},
      {"lgh1:100000000:3:1:1000:1000:AOgHAQ=", "not a multiple of 4 (truncated?)"},
      {"lgh1:100000000:3:1:1000:1000:AOgH", "counts add up to 0 but the header says total 1"},
      {"lgh1:100000000:3:1:1000:1000:AOg=", "counts truncated inside a varint"},
      {"lgh1:100000000:3:1:1000:1000:AOgHA!==", "invalid base64 character"},
      {"lgh1:100000000:3:1:1000:1000:AO=HAQ==", "invalid base64 character"},
      {"lgh1:100000000:3:1:1000:1000:AOgHAR==", "non-canonical base64"},
      {"lgh1:100000000:9:1:1000:1000:AOgHAQ==", "significant digits must be in [1, 5], got 9"},
      {"lgh1:1:3:1:1000:1000:AOgHAQ==", "highest trackable value must be >= 2, got 1"},
      {"lgh1:100000000:3:2:1000:1000:AOgHAQ==", "counts add up to 1 but the header says total 2"},
      {"lgh1:100000000:3:1:999:1000:AOgHAQ==", "min 999 / max 1000 do not match the counts"},
      {"lgh1:100000000:3:1:1000:1001:AOgHAQ==", "min 1000 / max 1001 do not match the counts"},
      {"lgh1:100000000:3:0:0:5:", "empty histogram with min/max"},
      {"lgh1:100:3:1:100:100:AP//AwE=", "a run of empty slots does not fit the layout"},
      {"lgh1:100:3:0:0:0:AAA=", "a run of empty slots does not fit the layout"},
      {"lgh1:2:3:4:0:2:AQEBAQ==", "more counts than the layout has slots (3)"},
      {"lgh1:100:3:1:0:0://8=", "counts truncated inside a varint"},
      {"lgh1:100:3:1:0:0:////////////Ag==", "varint overflows 64 bits"},
      {"lgh1:100:3:0:0:0:////////////////", "varint overflows 64 bits"},
      {"lgh1:100:3:0:0:0:////////////AQE=", "counts overflow 64 bits"},
  }));
  CAPTURE(text);
  const auto h = Histogram::decode(text);
  check_refused(h, {why});
  CHECK_THAT(h.error(), Catch::Matchers::StartsWith("histogram: "));
}

TEST_CASE("histogram: decode survives every truncation and byte flip", "[histogram]") {
  Histogram h = record_all(random_values(11, 200));
  const std::string text = h.encode();
  for (std::size_t n = 0; n < text.size(); ++n) {
    const auto cut = Histogram::decode(std::string_view(text).substr(0, n));
    CAPTURE(n);
    CHECK_FALSE(cut.has_value());
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string flipped = text;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    const auto r = Histogram::decode(flipped);  // may parse (a digit changed) but never lies
    if (!r) continue;
    std::uint64_t sum = 0;
    r->for_each_bucket([&](std::uint64_t, std::uint64_t, std::uint64_t n) { sum += n; });
    CHECK(sum == r->total_count());
    CHECK(Histogram::decode(r->encode()) == r);
  }
}
