// The autoscaler's knobs: one type for the scenario file, result.json, loadgen-autoscaler's
// command line and its policy (stack/autoscaler/policy.h says what each knob does there).
//
// Every knob is a member below (its default is the seeds' value: production-like intervals;
// tests and short scenarios use 1-2 s) and one row of kKnobTable: its names in each medium, its
// kind, its range and its unit. validate(), to_args(), from_args(), the scenario's keys and
// bounds (scenarios/), result.json's fields (reports/) and loadgen-autoscaler's flags and usage
// all come from that row, so a knob is added here and nowhere else but where it is used.
//
// Pure values: no I/O, JSON, libuv or Boost.
#pragma once
#include <array>
#include <cstdint>
#include <expected>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "loadgen/cli/flags.h"

namespace lg {

enum class Algorithm : std::uint8_t {
  kLinear,          // +1 / -1 per scale event
  kExponential,     // up to ceil(current x exponential_factor) (at least +1); down -1 (gentle)
  kPredictive,      // +1 / -1, but UP also fires on the least-squares trend over the window
                    // projected horizon_s() ahead; down uses observed values only
  kTargetTracking,  // Kubernetes HPA: ceil(current x observed / target); no change while
                    // observed / target is in [0.9, 1.1]; down still waits for stabilisation.
                    // Uses only the target metric (the scale_up_*/scale_down_* knobs are unused)
};
enum class TargetMetric : std::uint8_t { kCpu, kRpsPerReplica };

std::string_view to_string(Algorithm a);     // "linear", "exponential", "predictive",
                                             // "target_tracking"
std::string_view to_string(TargetMetric m);  // "cpu", "rps_per_replica"
std::optional<Algorithm> parse_algorithm(std::string_view s);  // inverse of to_string
std::optional<TargetMetric> parse_target_metric(std::string_view s);

// Samples the averaging window must hold: a line (the predictive trend) needs two points.
inline int samples_needed(Algorithm a) {
  return a == Algorithm::kPredictive ? 2 : 1;
}

// Up to two decimals, trailing zeros dropped: 70 -> "70", 83.14 -> "83.14", 0.5 -> "0.5"; how
// validate() and the policy's reasons show values.
std::string two_decimals(double v);

// One knob that validate() refuses.
struct KnobProblem {
  std::string knob;                  // its row's name: "window_s"
  std::vector<std::string> related;  // the other knobs of its rule: {"check_interval_s"}
  std::string text;                  // "<name> = <value>: must be <accepted>"
};

struct AutoscalerKnobs {
  Algorithm algorithm = Algorithm::kLinear;
  double check_interval_s = 30;             // time between samples; > 0
  double cooldown_s = 120;                  // after a scale event, no other one for this long; >= 0
  double window_s = 60;                     // samples in (now - window_s, now] are averaged; >=
                                            // samples_needed(algorithm) x check_interval_s
  double scale_down_stabilization_s = 300;  // the down condition must have held this long
  std::optional<double> predictive_horizon_s;  // s ahead of now; > 0; unset = 2 x check interval
  // Scale up when ANY of these is strictly exceeded (window means).
  double scale_up_cpu = 70;            // %, of one core; > 0
  double scale_up_rps = 100;           // requests/s per replica; > 0
  double scale_up_response_ms = 1000;  // HAProxy's average response time, ms; > 0
  double scale_up_error_rate = 0.05;   // share of 5xx, in (0, 1]
  // Scale down only when ALL three are strictly below (window means), no up trigger fires, and
  // that has held continuously for scale_down_stabilization_s. Each in [0, its scale_up_*).
  double scale_down_cpu = 30;
  double scale_down_rps = 50;
  double scale_down_response_ms = 200;
  double exponential_factor = 1.5;  // exponential: x factor per step up, in [1.5, 2]
  TargetMetric target_metric = TargetMetric::kCpu;
  double target_value = 50;  // target_tracking: % CPU or requests/s per replica; > 0

  double horizon_s() const { return predictive_horizon_s.value_or(2 * check_interval_s); }

  // Every knob outside its range or against its rule, in table order; empty = valid.
  std::vector<KnobProblem> validate() const;
  // loadgen-autoscaler's flags for every knob ({"--algorithm", "linear", "--check-interval",
  // "30s", ...}), an unset optional one left out. Exact: from_args(to_args()) == *this.
  std::vector<std::string> to_args() const;
  // The knob flags ("--flag value" or "--flag=value"); a knob not given keeps its default.
  // Errors name the flag, the value and what is accepted; validate() is the caller's.
  static std::expected<AutoscalerKnobs, std::string> from_args(std::span<const std::string> args);

  bool operator==(const AutoscalerKnobs&) const = default;
};

enum class KnobKind : std::uint8_t {
  kSeconds,  // a time in s: a duration ("2s", "500ms") in a scenario and on the command line,
             // a number of seconds in result.json
  kMillis,   // a time in ms: a duration in a scenario, a number of ms on the command line and
             // in result.json
  kNumber,   // a number, the same everywhere
  kChoice,   // a name among the row's choices (on the command line also the to_string() name)
};

// Numbers from lo to hi; an open end excludes its bound. NaN and infinities are never inside.
struct KnobRange {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double v) const;
  std::string text() const;  // "> 0", ">= 0", "in (0, 1]", "in [1.5, 2]"; "" when unbounded
};
constexpr KnobRange above(double lo) {
  return {lo, std::numeric_limits<double>::infinity(), true, false};
}
constexpr KnobRange at_least(double lo) {
  return {lo, std::numeric_limits<double>::infinity(), false, false};
}
constexpr KnobRange between(double lo, double hi, bool lo_open = false) {
  return {lo, hi, lo_open, false};
}

using KnobMember = std::variant<double AutoscalerKnobs::*, std::optional<double> AutoscalerKnobs::*,
                                Algorithm AutoscalerKnobs::*, TargetMetric AutoscalerKnobs::*>;

struct KnobSpec {
  std::string_view name;    // the member's, and validate()'s: "scale_down_cpu"
  std::string_view key;     // under a scenario's "stack"/"autoscaler": "scale_down/cpu"
                            // ("" = a scenario cannot set it)
  std::string_view record;  // under result.json's "scenario"/"stack"/"autoscaler": "scale_down/
                            // cpu" ("" = not recorded)
  std::string_view flag;    // loadgen-autoscaler's: "--scale-down-cpu"
  KnobKind kind = KnobKind::kNumber;
  KnobMember member;
  KnobRange range;  // what the autoscaler accepts (validate()), in the member's unit
  // What a scenario file accepts (scenarios/schema.json), in the member's unit. Narrower than
  // `range` where the format says so (CPU is a share of one core, durations are positive);
  // wider for the scale_up thresholds, where a file may say 0 and the autoscaler refuses it
  // when it starts (as it always has).
  KnobRange file;
  std::string_view below;             // validate(): also < this knob (a scale_down threshold
                                      // under its scale_up one)
  std::string_view holds_samples_of;  // validate(): >= samples_needed(algorithm) x this knob
  std::string_view unit;              // shown on the command line's errors: "% of one core"
  std::span<const std::string_view> choices;  // kChoice: the names, in the enum's order

  // kSeconds (s), kMillis (ms) and kNumber knobs; nullopt for a choice or an unset optional.
  std::optional<double> number(const AutoscalerKnobs& k) const;
  void set_number(AutoscalerKnobs& k, double v) const;
  std::string_view choice(const AutoscalerKnobs& k) const;  // the chosen name; "" for numbers
  // Sets a choice by its name in `choices` or its to_string() name; false if it is neither.
  bool set_choice(AutoscalerKnobs& k, std::string_view text) const;
};

inline constexpr std::array<std::string_view, 4> kAlgorithmNames{"linear", "exponential",
                                                                 "predictive", "target_tracking"};
inline constexpr std::array<std::string_view, 2> kTargetMetricNames{"cpu", "rps"};

// Every knob, in the order scenarios/schema.json, --help and to_args() list them. A row names
// only what it sets; the other members keep their defaults (g++ 12 warns about that for
// designated initializers, later versions do not).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
inline constexpr KnobSpec kKnobTable[] = {
    {.name = "algorithm",
     .key = "algorithm",
     .record = "algorithm",
     .flag = "--algorithm",
     .kind = KnobKind::kChoice,
     .member = &AutoscalerKnobs::algorithm,
     .choices = kAlgorithmNames},
    {.name = "check_interval_s",
     .key = "check_interval",
     .record = "check_interval_s",
     .flag = "--check-interval",
     .kind = KnobKind::kSeconds,
     .member = &AutoscalerKnobs::check_interval_s,
     .range = above(0),
     .file = above(0),
     .unit = "s"},
    {.name = "cooldown_s",
     .key = "cooldown",
     .record = "cooldown_s",
     .flag = "--cooldown",
     .kind = KnobKind::kSeconds,
     .member = &AutoscalerKnobs::cooldown_s,
     .range = at_least(0),
     .file = above(0),
     .unit = "s"},
    {.name = "window_s",
     .key = "window",
     .record = "window_s",
     .flag = "--window",
     .kind = KnobKind::kSeconds,
     .member = &AutoscalerKnobs::window_s,
     .file = above(0),
     .holds_samples_of = "check_interval_s",
     .unit = "s"},
    {.name = "scale_down_stabilization_s",
     .key = "stabilization",
     .record = "stabilization_s",
     .flag = "--stabilization",
     .kind = KnobKind::kSeconds,
     .member = &AutoscalerKnobs::scale_down_stabilization_s,
     .range = at_least(0),
     .file = above(0),
     .unit = "s"},
    {.name = "predictive_horizon_s",
     .flag = "--horizon",
     .kind = KnobKind::kSeconds,
     .member = &AutoscalerKnobs::predictive_horizon_s,
     .range = above(0),
     .unit = "s"},
    {.name = "scale_up_cpu",
     .key = "scale_up/cpu",
     .record = "scale_up/cpu",
     .flag = "--scale-up-cpu",
     .member = &AutoscalerKnobs::scale_up_cpu,
     .range = above(0),
     .file = between(0, 100),
     .unit = "% of one core"},
    {.name = "scale_up_rps",
     .key = "scale_up/rps_per_replica",
     .record = "scale_up/rps_per_replica",
     .flag = "--scale-up-rps",
     .member = &AutoscalerKnobs::scale_up_rps,
     .range = above(0),
     .file = between(0, 1e9),
     .unit = "requests/s per replica"},
    {.name = "scale_up_response_ms",
     .key = "scale_up/response_time",
     .record = "scale_up/response_ms",
     .flag = "--scale-up-response-ms",
     .kind = KnobKind::kMillis,
     .member = &AutoscalerKnobs::scale_up_response_ms,
     .range = above(0),
     .file = at_least(0),
     .unit = "ms"},
    {.name = "scale_up_error_rate",
     .key = "scale_up/error_rate",
     .record = "scale_up/error_rate",
     .flag = "--scale-up-error-rate",
     .member = &AutoscalerKnobs::scale_up_error_rate,
     .range = between(0, 1, true),
     .file = between(0, 1)},
    {.name = "scale_down_cpu",
     .key = "scale_down/cpu",
     .record = "scale_down/cpu",
     .flag = "--scale-down-cpu",
     .member = &AutoscalerKnobs::scale_down_cpu,
     .range = at_least(0),
     .file = between(0, 100),
     .below = "scale_up_cpu",
     .unit = "% of one core"},
    {.name = "scale_down_rps",
     .key = "scale_down/rps_per_replica",
     .record = "scale_down/rps_per_replica",
     .flag = "--scale-down-rps",
     .member = &AutoscalerKnobs::scale_down_rps,
     .range = at_least(0),
     .file = between(0, 1e9),
     .below = "scale_up_rps",
     .unit = "requests/s per replica"},
    {.name = "scale_down_response_ms",
     .key = "scale_down/response_time",
     .record = "scale_down/response_ms",
     .flag = "--scale-down-response-ms",
     .kind = KnobKind::kMillis,
     .member = &AutoscalerKnobs::scale_down_response_ms,
     .range = at_least(0),
     .file = at_least(0),
     .below = "scale_up_response_ms",
     .unit = "ms"},
    {.name = "exponential_factor",
     .key = "factor",
     .record = "factor",
     .flag = "--factor",
     .member = &AutoscalerKnobs::exponential_factor,
     .range = between(1.5, 2),
     .file = between(1.5, 2)},
    {.name = "target_metric",
     .key = "target/metric",
     .record = "target/metric",
     .flag = "--target-metric",
     .kind = KnobKind::kChoice,
     .member = &AutoscalerKnobs::target_metric,
     .choices = kTargetMetricNames},
    {.name = "target_value",
     .key = "target/value",
     .record = "target/value",
     .flag = "--target-value",
     .member = &AutoscalerKnobs::target_value,
     .range = above(0),
     .file = between(0.001, 1e9)},
};
#pragma GCC diagnostic pop

// The row named `name` (KnobSpec::name); nullptr if there is none.
const KnobSpec* find_knob(std::string_view name);

// loadgen-autoscaler's knob flags, each setting its knob of `k` (kept by reference), with its
// errors worded as loadgen-autoscaler words them: "--factor: \"x\" is not accepted: expected a
// number in [1.5, 2]".
std::vector<cli::Flag> knob_flags(AutoscalerKnobs& k);

// The knob flags for a usage text, one item each with its default: "[--check-interval 30s]",
// "[--algorithm linear|exponential|predictive|target_tracking]", "[--horizon DURATION]".
std::vector<std::string> knob_usage();

}  // namespace lg
