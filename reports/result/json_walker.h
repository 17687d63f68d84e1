// Typed, error-collecting access to a JSON document, for readers of files loadgen wrote
// (result.json): the tolerant mode of the one JSON walker (loadgen/json/walker.h). Every
// accessor that finds the wrong shape records one error naming the source, the JSON pointer,
// what was expected and what was found, then returns a fallback, so one pass reports every
// problem. Unknown keys are ignored: a schema version only adds fields.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "loadgen/core/histogram.h"
#include "loadgen/json/walker.h"

namespace lg::reports {

// A place in the document: the value there and its JSON pointer ("/steps/2/completed").
using JsonNode = lg::json::Node<nlohmann::json>;

class JsonWalker : private lg::json::Walker<nlohmann::json> {
  using Core = lg::json::Walker<nlohmann::json>;

 public:
  explicit JsonWalker(std::string source)
      : Core(lg::json::Mode::kTolerant), source_(std::move(source)) {}

  using Core::field;
  using Core::items;
  using Core::members;
  using Core::optional;
  using Core::root;
  using Core::show;

  using Core::is_null;
  using Core::present;

  std::string text(const JsonNode& n, std::string fallback = {});
  bool boolean(const JsonNode& n, bool fallback = false);
  double number(const JsonNode& n, double fallback = 0);
  std::uint64_t uint(const JsonNode& n, std::uint64_t max = UINT64_MAX, std::uint64_t fallback = 0);
  std::uint32_t uint32(const JsonNode& n, std::uint32_t fallback = 0) {
    return static_cast<std::uint32_t>(uint(n, UINT32_MAX, fallback));
  }
  std::int64_t integer(const JsonNode& n, std::int64_t fallback = 0);
  // Replica counts and the like: -1 (unknown) when null.
  std::int32_t count_or_null(const JsonNode& n);
  // Seconds (>= 0, below ~292 years) to whole nanoseconds, rounded.
  std::int64_t seconds_ns(const JsonNode& n, std::int64_t fallback = 0);
  // The index of the string among `choices`; `fallback` when it is none of them.
  std::size_t one_of(const JsonNode& n, std::initializer_list<std::string_view> choices,
                     std::size_t fallback = 0);
  // A Histogram::encode() string; nullopt (reported) when it does not decode.
  std::optional<Histogram> histogram(const JsonNode& n);

  // Records "SOURCE: PTR: expected WHAT, found FOUND[: WHY]" unless PTR already has an error.
  using Core::expected;
  // Records "SOURCE: PTR: MESSAGE" unless PTR already has an error.
  using Core::error;

  bool ok() const { return errors.empty(); }
  // One line per error; at most `limit` lines, then how many more there were.
  std::string report(std::size_t limit = 20) const;

 private:
  std::string source_;
};

}  // namespace lg::reports
