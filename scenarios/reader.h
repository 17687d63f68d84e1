// The scenario loader's walking state (internal to the scenarios library): the strict mode of
// the one JSON walker (loadgen/json/walker.h) with the scenario format's own knowledge: which
// keys and enumeration values are accepted (scenario_keys.h), messages that say what a value
// is for, durations and rates with units. Accessors report and return a default.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loadgen/json/walker.h"

namespace lg::scenarios::detail {

// Ordered, so that request headers are sent in the order the file gives them.
using json = nlohmann::ordered_json;

class Reader : private lg::json::Walker<json> {
  using Core = lg::json::Walker<json>;

 public:
  Reader() : Core(lg::json::Mode::kStrict) {}

  using Core::errors;
  // `related`: the other keys a cross-field error involves (the message names them too).
  using Core::error;
  // For follow-on checks: only judge a value further if reading it reported nothing (one
  // problem, one error).
  using Core::clean_since;
  using Core::mark;
  // No error at `ptr` or below it.
  using Core::clean_under;
  // The value at `ptr` was read by an accessor below and had no error: cross-field rules judge
  // only values that are right on their own.
  using Core::read_ok;
  // Records that `ptr` was read without error (the accessors below do it themselves).
  using Core::ok;
  using Core::show;

  // Unknown members of `obj` (at `ptr`) are errors; accepted names come from accepted_keys().
  void only_keys(const json& obj, const std::string& ptr);
  // Whether `v` (at `ptr`) is an object: if not, "expected WHAT, got V" is reported; if so, its
  // unknown members are (only_keys).
  bool object(const json& v, const std::string& ptr, std::string_view what);
  // Whether `v` (at `ptr`) is an array of at least `min_size` elements; "expected WHAT, got V"
  // is reported if not.
  bool array(const json& v, const std::string& ptr, std::string_view what,
             std::size_t min_size = 0);
  // An enumeration's value, checked against accepted_keys(); "" after an error.
  std::string choice(const json& v, const std::string& ptr);

  std::string string(const json& v, const std::string& ptr, const std::string& what);
  std::int64_t duration(const json& v, const std::string& ptr);  // nanoseconds
  double rate(const json& v, const std::string& ptr);            // requests/s
  std::uint64_t integer(const json& v, const std::string& ptr, std::uint64_t lo, std::uint64_t hi);
  // A number in [lo, hi] (a threshold or factor); reports and returns `fallback` otherwise.
  double number(const json& v, const std::string& ptr, double lo, double hi, double fallback);
  bool boolean(const json& v, const std::string& ptr, bool fallback);

 private:
  // A string with a unit ("250ms", "30/m") parsed by `parse`; 0 after an error.
  template <class T>
  T with_unit(const json& v, const std::string& ptr, std::string_view what,
              std::expected<T, std::string> (*parse)(std::string_view));
};

}  // namespace lg::scenarios::detail
