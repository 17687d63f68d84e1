// SLO expressions in k6's threshold style: metric, aggregation, operator, value with units.
// Parsed and checked at load time into typed values; evaluate.h judges them against a RunResult.
//
// Grammar (EBNF; blanks are allowed between any two tokens, names are case-sensitive):
//
//   slo          = selector , ( comparison , [ deadline ] | range )
//                | ( "recovers" | "replaced" ) , "within" , value , "of" , fault  (* a time *)
//                | "errors" , "during" , fault , ( comparison | range ) ;   (* a fraction *)
//   fault        = "fault" , digits ;        (* 1 = the scenario's first fault, in file order *)
//   deadline     = "within" , value , "of" , "step" , digits ;   (* replicas only; value a time *)
//   comparison   = op , value ;
//   op           = "<=" | ">=" | "==" | "!=" | "<" | ">" ;
//   range        = "within" , "[" , value , "," , value , "]" ;        (* low <= x <= high *)
//   selector     = aggregation                                  (* latency, e.g. "p95" *)
//                | time_metric , [ "." , aggregation ]          (* "service.p95", "lag.p99" *)
//                | "errors" , [ "." , error_kind ]              (* a count of failed requests *)
//                | "replicas" , [ "." , ( "min" | "max" | "mean" ) ]
//                | "scale_gap" , [ "." , ( "min" | "max" | "mean" ) ]   (* default min *)
//                | "unhealthy" , [ "." , "max" ]                         (* default max *)
//                | other_metric ;
//   time_metric  = "latency" | "service" | "lag" ;
//   aggregation  = percentile | "median" | "max" | "min" | "mean" | "avg" ;
//   percentile   = "p" , number | "p(" , number , ")" ;        (* 0 <= number <= 100 *)
//   error_kind   = "connect" | "timeout" | "read" | "write" | "parse" | "http_4xx" | "http_5xx" ;
//   other_metric = "error_rate" | "late_rate" | "dropped_rate"  (* fractions *)
//                | "dropped" | "late"                            (* counts *)
//                | "rps"                                         (* achieved request rate *)
//                | "scale_errors"                                (* count *)
//                | "balance" ;                                   (* ratio >= 1 *)
//   value        = number , [ unit ] ;
//   number       = digits , [ "." , [ digits ] ] | "." , digits ;
//   unit         = "ns" | "us" | "ms" | "s" | "m" | "min" | "h"  (* times; none = ms *)
//                | "%"                                           (* fractions; none = 0..1 *)
//                | "/s" | "/m" | "/min" | "/h" ;                 (* rps; none = /s *)
//
// Meaning. latency is from the intended send (the SLO number), service from the actual send,
// lag is the generator's dispatch lag behind its schedule. A time metric without aggregation is
// an error ("latency < 1s" does not say which statistic). "median" is p50, "avg" is mean.
// "replicas" without aggregation (and "replicas within [..]") holds for every second's reading.
// Counts and replica numbers must be whole. Units must suit the metric ("rps < 5ms" is an error).
//
// Autoscaling (embedded stack; from the load balancer's per-second readings, HAProxy's
// per-server counters and the autoscaler's event log):
//   "replicas >= 4 within 90s of step 5"  scaled up: some second in [start of step 5,
//                                          start + 90 s] had at least 4 replicas (run scope)
//   "replicas <= 2 within 60s of step 6"  scaled back down, the same way
//   "scale_gap >= 20s"      the shortest time between two consecutive scale events (up or
//                           down; recoveries of failed replicas are not scale events): cooldown
//   "scale_errors == 0"     failed requests in the seconds from 1 s before to 5 s after each
//                           scale event (the window a drain or a new replica can disturb)
//   "balance <= 1.5"        the highest over the lowest per-replica share of the traffic, each
//                           replica's requests over its even share while it was UP (replicas with
//                           an even share under 100 requests are left out; run scope)
//   "unhealthy < 10s"       the longest stretch of seconds with a replica in the load balancer
//                           that is not UP: a failed replica must leave (or recover) within it
//
// Fault recovery (embedded stack, run scope; validators/fault_window.h and fault_checks.cpp
// have the exact rules). Fault N is the scenario's N-th fault; it starts when its first action
// fired and ends when its second (a pause's resume) fired, or 1 s after the start when it has
// one action only (a kill). A fault that did not fire, or failed, fails every check over it.
//   "recovers within 15s of fault 1"  latency p99 and the error share are back in the band of
//                           the 10 s before the fault (p99 <= max(1.5 x baseline, baseline +
//                           20 ms), errors <= baseline + 1 point) for 3 judged seconds in a row,
//                           the first starting at most 15 s after the fault ended
//   "errors during fault 1 < 5%"      unsuccessful over scheduled arrivals in the seconds from
//                           the one the fault started in to the one it ended in (a kill: the
//                           second it fired in and the next)
//   "replaced within 30s of fault 1"  every replica UP again (healthy >= before the fault, and
//                           healthy == replicas) at most 30 s after the start, after a second
//                           with fewer healthy replicas or an autoscaler "recovery" event
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/counters.h"

namespace lg::validators {

enum class Metric {
  kLatency,      // ms, from the intended send
  kService,      // ms, from the actual send
  kLag,          // ms, generator dispatch lag
  kErrorRate,    // fraction: (failed + dropped + abandoned) / scheduled
  kLateRate,     // fraction: late / sent
  kDroppedRate,  // fraction: dropped / scheduled
  kErrors,       // count of failed requests (all, or one ErrorKind)
  kDropped,      // count
  kLate,         // count
  kRps,          // achieved request rate, 1/s
  kReplicas,     // replicas in the load balancer, from the per-second timeline
  kScaleGap,     // ms between consecutive scale events
  kScaleErrors,  // count of failed requests near scale events
  kBalance,      // ratio >= 1: highest over lowest per-replica traffic share
  kUnhealthy,    // ms: a stretch of seconds with a replica in the balancer but not UP
  kRecovers,     // ms: from the end of fault N to the first second back in the band
  kFaultErrors,  // fraction: unsuccessful / scheduled in the seconds fault N covers
  kReplaced,     // ms: from the start of fault N to every replica UP again
};

// "within T of step S": the comparison must hold in some second of [start of step S,
// start + T]. Replicas only; judged once, for the whole run.
struct Deadline {
  double within_ms = 0;
  std::uint32_t step = 1;  // 1-based, warm-up steps counted
  bool operator==(const Deadline&) const = default;
};

enum class AggKind {
  kPercentile,  // Aggregation::percentile holds the percent (0..100)
  kMax,
  kMin,
  kMean,
  kRate,   // the metric is a rate or fraction itself (error_rate, rps), or a fault check's
           // single figure (recovers, replaced, errors during fault)
  kCount,  // the metric is a count (errors, dropped, late)
  kEach,   // every per-second reading (replicas)
};

struct Aggregation {
  AggKind kind = AggKind::kRate;
  double percentile = 0;  // only for kPercentile
  bool operator==(const Aggregation&) const = default;
};

enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual, kWithin };

// Where an SLO is judged: written with a "run: " or "steps: " prefix, only over the whole run
// or only per step; without one, both.
enum class Scope { kRun, kPerStep, kBoth };

struct Slo {
  Metric metric = Metric::kLatency;
  Aggregation agg;
  Op op = Op::kLess;
  double limit = 0;       // base unit: ms for times, fraction for rates, 1/s for rps; low bound
                          // for kWithin
  double limit_high = 0;  // kWithin only: the high bound
  std::optional<ErrorKind> error_kind;  // kErrors only: one category (none = every category)
  std::optional<Deadline> deadline;     // kReplicas with a comparison only
  // kRecovers, kFaultErrors, kReplaced only: the fault judged, 1-based (0 = none). "recovers"
  // and "replaced" keep their time T as limit with op kLessEqual.
  std::uint32_t fault = 0;
  std::string text;            // the expression as written (trimmed, no scope prefix)
  Scope scope = Scope::kBoth;  // from the optional "run: " / "steps: " prefix
};

// The SLO as a scenario or --slo would write it: the scope prefix (if any), then the text.
std::string slo_source(const Slo& slo);

// Parses and checks one expression, with an optional scope prefix ("run: p95 < 1s"). Errors
// read
//   SLO "TEXT": at column C: WHAT; accepted: LIST
// with C 1-based into the trimmed text after the prefix.
std::expected<Slo, std::string> parse_slo(std::string_view text);

// Parses every expression and returns all errors (one per bad expression), not just the first.
std::expected<std::vector<Slo>, std::vector<std::string>> parse_slos(
    const std::vector<std::string>& texts);

// Whether the metric exists and the aggregation (and error kind, operator, bounds) suits it.
// parse_slo applies it; call it on Slo values built by hand (e.g. from the short "slo" form).
// The error names the metric and lists the aggregations it accepts.
std::expected<void, std::string> check_slo(const Slo& slo);

// Whether the SLO can only be judged over the whole run (balance, a deadline, the fault checks):
// such SLOs get no per-step check.
bool run_scope_only(const Slo& slo);

// Whether the SLO judges the embedded stack (replicas, scaling, balance, health, faults): it has
// no meaning against someone else's stack given by URL.
bool needs_embedded_stack(const Slo& slo);

std::string_view metric_name(Metric m);
std::string_view op_text(Op op);
// "p95", "p99.9", "max", "mean", "min", "rate", "count", "each".
std::string aggregation_name(const Aggregation& a);
// The aggregations a metric accepts, for messages: e.g. "p<N>, p(<N>), median, max, min, mean".
std::string accepted_aggregations(Metric m);
// The limit in the metric's units for reports: "1.00s", "5%", "100/s", "0", "[2, 10]",
// "within 15.0s of fault 1", "< 5% during fault 1".
std::string format_limit(const Slo& slo);
// A value of the metric in its units, as format_limit prints it.
std::string format_value(Metric m, double value);

}  // namespace lg::validators
