// A parser's refusal as the table-driven tests check it, in one place: the many "rejects bad
// input" tables of tests/core each end in the same REQUIRE_FALSE / CHECK_THAT tail.
#pragma once
#include <catch2/catch.hpp>

#include <expected>
#include <initializer_list>
#include <string>

namespace lg::test {

// `got` holds no value (a REQUIRE: the test stops there otherwise), and its error message
// contains every one of `parts`, each checked on its own (the reason, the input quoted, the
// accepted forms, ...).
template <class T>
void check_refused(const std::expected<T, std::string>& got,
                   std::initializer_list<std::string> parts) {
  REQUIRE_FALSE(got.has_value());
  for (const auto& part : parts) {
    CHECK_THAT(got.error(), Catch::Matchers::Contains(part));
  }
}

}  // namespace lg::test
