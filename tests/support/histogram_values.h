// Hand-computable histograms for tests: hist({{900, 10}, {4'000, 6}}) holds 10 values of 900 us
// and 6 of 4 ms.
#pragma once
#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <utility>

#include "loadgen/core/histogram.h"

namespace lg::test {

// Values in us with their counts; a value the histogram cannot hold fails the test.
inline lg::Histogram hist(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> values) {
  lg::Histogram h;
  for (const auto& [v, n] : values) REQUIRE(h.record(v, n));
  return h;
}

}  // namespace lg::test
