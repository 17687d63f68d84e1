// Internal to validators/: what slo.cpp (the parser) and slo_names.cpp (checks, names and
// formatting) share. Not part of the public API.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "validators/slo.h"

namespace lg::validators::detail {

enum class Family { kTime, kFraction, kCount, kRps, kReplicas, kRatio };

inline Family family_of(Metric m) {
  switch (m) {
    case Metric::kLatency:
    case Metric::kService:
    case Metric::kLag:
    case Metric::kScaleGap:
    case Metric::kUnhealthy:
    case Metric::kRecovers:
    case Metric::kReplaced:
      return Family::kTime;
    case Metric::kErrorRate:
    case Metric::kLateRate:
    case Metric::kDroppedRate:
    case Metric::kFaultErrors:
      return Family::kFraction;
    case Metric::kErrors:
    case Metric::kDropped:
    case Metric::kLate:
    case Metric::kScaleErrors:
      return Family::kCount;
    case Metric::kRps:
      return Family::kRps;
    case Metric::kReplicas:
      return Family::kReplicas;
    case Metric::kBalance:
      return Family::kRatio;
  }
  return Family::kCount;
}

// The selector words, and each metric's name. "errors during fault" is never a word (it has
// blanks): the parser reads "errors" and then "during".
inline constexpr std::array<std::pair<std::string_view, Metric>, 18> kMetrics{{
    {"latency", Metric::kLatency},
    {"service", Metric::kService},
    {"lag", Metric::kLag},
    {"error_rate", Metric::kErrorRate},
    {"late_rate", Metric::kLateRate},
    {"dropped_rate", Metric::kDroppedRate},
    {"errors", Metric::kErrors},
    {"dropped", Metric::kDropped},
    {"late", Metric::kLate},
    {"rps", Metric::kRps},
    {"replicas", Metric::kReplicas},
    {"scale_gap", Metric::kScaleGap},
    {"scale_errors", Metric::kScaleErrors},
    {"balance", Metric::kBalance},
    {"unhealthy", Metric::kUnhealthy},
    {"recovers", Metric::kRecovers},
    {"errors during fault", Metric::kFaultErrors},
    {"replaced", Metric::kReplaced},
}};

// The fault checks: "recovers within T of fault N", "errors during fault N OP X", "replaced
// within T of fault N" (Slo::fault names the fault).
inline bool is_fault_check(Metric m) {
  return m == Metric::kRecovers || m == Metric::kFaultErrors || m == Metric::kReplaced;
}

// Whether `x` satisfies `op` with the limit `lo` (and `hi` for kWithin: lo <= x <= hi).
inline bool holds(Op op, double x, double lo, double hi) {
  switch (op) {
    case Op::kLess:
      return x < lo;
    case Op::kLessEqual:
      return x <= lo;
    case Op::kGreater:
      return x > lo;
    case Op::kGreaterEqual:
      return x >= lo;
    case Op::kEqual:
      return x == lo;
    case Op::kNotEqual:
      return x != lo;
    case Op::kWithin:
      return x >= lo && x <= hi;
  }
  return false;
}

// The comparison operators as written, longest first where one begins another (so that "<="
// is never read as "<"); "within [LOW, HIGH]" is parsed on its own.
inline constexpr std::array<std::pair<std::string_view, Op>, 6> kOps{{
    {"<=", Op::kLessEqual},
    {">=", Op::kGreaterEqual},
    {"==", Op::kEqual},
    {"!=", Op::kNotEqual},
    {"<", Op::kLess},
    {">", Op::kGreater},
}};

// The aggregation a time metric takes when none is written (none: it must be written).
inline std::optional<AggKind> default_time_agg(Metric m) {
  if (m == Metric::kScaleGap) return AggKind::kMin;
  if (m == Metric::kUnhealthy) return AggKind::kMax;
  return std::nullopt;
}

// A number in up to `precision` significant digits, without trailing zeros.
std::string fmt_number(double v, int precision = 6);

// "connect, tls, ..., http_5xx": every error kind an SLO may name, from core's own list.
std::string error_kinds_accepted();

}  // namespace lg::validators::detail
