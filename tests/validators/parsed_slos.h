// SLO texts parsed for a test: REQUIREs that every one parses.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "validators/slo.h"

inline std::vector<lg::validators::Slo> slos(const std::vector<std::string>& texts) {
  auto r = lg::validators::parse_slos(texts);
  REQUIRE(r.has_value());
  return *r;
}
