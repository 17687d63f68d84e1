// Command-line flags as a table: "--flag value" (and, where a table allows it, "--flag=value"),
// typed values with range checks, and errors in the wording each command already uses. Shared
// by loadgen (loadgen/app/cli.cpp) and loadgen-autoscaler (stack/autoscaler/options.cpp, whose
// knob flags come from stack/model/autoscaler_knobs.h). Pure: no I/O, JSON, libuv or Boost.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lg::cli {

// How a command words its errors: each keeps the wording its users, scripts and tests know.
enum class Wording : std::uint8_t {
  // loadgen: "--threads: expected an integer in [1, 256], got '0'", "--threads: missing value",
  // "unknown option '--bogus'".
  kLoadgen,
  // loadgen-autoscaler: "--min: \"0\" is not accepted: expected an integer in [1, 53]",
  // "--factor: a value is needed", "--detached takes no value", "unknown argument \"--bogus\"".
  kAutoscaler,
};

// A refused value: `what` says what is accepted ("an integer in [1, 256]").
std::string refused(Wording w, std::string_view flag, std::string_view value,
                    std::string_view what);

// Typed values; each error is refused() with `what` naming the type and the range.
// Decimal integer in [lo, hi] (no sign): "an integer in [lo, hi]".
std::expected<std::uint64_t, std::string> to_uint(Wording w, std::string_view flag,
                                                  std::string_view value, std::uint64_t lo,
                                                  std::uint64_t hi);
// A finite decimal number: "a number " + range (the caller judges the range, e.g. "> 0").
std::expected<double, std::string> to_number(Wording w, std::string_view flag,
                                             std::string_view value, std::string_view range);
// A duration (lg::parse_duration: "2s", "500ms", "2m"), in seconds: "a duration such as 2s,
// 500ms or 2m, " + range.
std::expected<double, std::string> to_seconds(Wording w, std::string_view flag,
                                              std::string_view value, std::string_view range);

struct Flag {
  enum class Arity : std::uint8_t {
    kValue,   // takes the next argument (or, in a joined table, what follows '=')
    kSwitch,  // takes nothing
    kStop,    // takes nothing and ends the parse (--help): later arguments are not read
  };
  std::vector<std::string> names;  // "--connections", "-c": errors name the one that was used
  Arity arity = Arity::kValue;
  // Takes the value ("" without one) under the name used: "" when taken, else the error.
  std::function<std::string(const std::string& name, const std::string& value)> take;
};

struct FlagTable {
  Wording wording = Wording::kLoadgen;
  std::vector<Flag> flags;
  bool joined = false;  // also "--flag=value"
  // Arguments that are not flags ("x", "-"): "" when taken, else the error. Unset: every
  // argument that is not in `flags` is unknown.
  std::function<std::string(const std::string& arg)> positional;
  // The error for an unknown argument; unset: the wording's own.
  std::function<std::string(const std::string& arg)> unknown;
};

struct Parsed {
  std::set<std::string> seen;  // the first name of every flag that was given
};

// Reads `args` in order and stops at the first error (or at a kStop flag).
std::expected<Parsed, std::string> parse(const FlagTable& table, std::span<const std::string> args);

}  // namespace lg::cli
