// Typed, error-collecting access to a JSON document, for readers of files loadgen wrote
// (result.json). Every accessor that finds the wrong shape records one error naming the
// source, the JSON pointer, what was expected and what was found, then returns a fallback, so
// one pass reports every problem. Unknown keys are ignored: a schema version only adds fields.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/core/histogram.h"

namespace lg::reports {

// A place in the document: the value there and its JSON pointer ("/steps/2/completed").
struct JsonNode {
  const nlohmann::json* value = nullptr;  // nullptr: absent
  std::string ptr;
  bool required = true;  // absent and required: an error; absent and optional: the fallback
};

class JsonWalker {
 public:
  explicit JsonWalker(std::string source) : source_(std::move(source)) {}

  static JsonNode root(const nlohmann::json& doc) { return {&doc, "", true}; }

  // A member of an object. Reports (once per pointer) if `obj` is present but not an object.
  JsonNode field(const JsonNode& obj, std::string_view key);
  // The same, but the caller takes a fallback when the key is absent (fields added later).
  JsonNode optional(const JsonNode& obj, std::string_view key);
  // The elements of an array / the members of an object; empty (and reported) otherwise.
  std::vector<JsonNode> items(const JsonNode& arr);
  std::vector<std::pair<std::string, JsonNode>> members(const JsonNode& obj);

  bool present(const JsonNode& n) const { return n.value != nullptr; }
  bool is_null(const JsonNode& n) const { return n.value != nullptr && n.value->is_null(); }

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

  // Records "SOURCE: PTR: expected WHAT, found FOUND" unless PTR already has an error.
  void fail(const JsonNode& n, std::string_view what);
  void fail_with(const std::string& ptr, const std::string& message);

  bool ok() const { return errors_.empty(); }
  // One line per error; at most `limit` lines, then how many more there were.
  std::string report(std::size_t limit = 20) const;

  // A value for messages: its JSON text, shortened when long.
  static std::string show(const nlohmann::json& v);

 private:
  // Present and usable: false (silently) when absent-optional, false (reported) when absent
  // and required.
  bool usable(const JsonNode& n, std::string_view what);

  std::string source_;
  std::vector<std::string> errors_;
  std::set<std::string> failed_ptrs_;
};

}  // namespace lg::reports
