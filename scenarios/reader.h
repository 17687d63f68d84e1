// The scenario loader's walking state (internal to the scenarios library): errors found so far,
// strict accessors that report and return a default, and which values were read cleanly.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/scenario_loader.h"

namespace lg::scenarios::detail {

// Ordered, so that request headers are sent in the order the file gives them.
using json = nlohmann::ordered_json;

class Reader {
 public:
  std::vector<ScenarioError> errors;

  // `related`: the other keys a cross-field error involves (the message names them too).
  void error(const std::string& ptr, const std::string& msg, std::vector<std::string> related = {});
  // For follow-on checks: only judge a value further if reading it reported nothing (one
  // problem, one error).
  std::size_t mark() const { return errors.size(); }
  bool clean_since(std::size_t mark) const { return errors.size() == mark; }
  // No error at `ptr` or below it.
  bool clean_under(const std::string& ptr) const;
  // The value at `ptr` was read by an accessor below and had no error: cross-field rules judge
  // only values that are right on their own.
  bool read_ok(const std::string& ptr) const { return ok_.contains(ptr); }

  static std::string show(const json& v);

  // Unknown members of `obj` (at `ptr`) are errors; accepted names come from accepted_keys().
  void only_keys(const json& obj, const std::string& ptr);
  // An enumeration's value, checked against accepted_keys(); "" after an error.
  std::string choice(const json& v, const std::string& ptr);

  std::string string(const json& v, const std::string& ptr, const std::string& what);
  std::int64_t duration(const json& v, const std::string& ptr);  // nanoseconds
  double rate(const json& v, const std::string& ptr);            // requests/s
  std::uint64_t integer(const json& v, const std::string& ptr, std::uint64_t lo, std::uint64_t hi);
  // A number in [lo, hi] (a threshold or factor); reports and returns `fallback` otherwise.
  double number(const json& v, const std::string& ptr, double lo, double hi, double fallback);
  bool boolean(const json& v, const std::string& ptr, bool fallback);

  // Records that `ptr` was read without error (the accessors above do it themselves).
  void ok(const std::string& ptr) { ok_.insert(ptr); }

 private:
  std::set<std::string> ok_;
};

}  // namespace lg::scenarios::detail
