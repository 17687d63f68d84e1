// Checks, names and formatting of Slo values (slo.h); the parser is in slo.cpp.
#include <cmath>
#include <sstream>

#include "loadgen/core/units.h"
#include "validators/slo.h"
#include "validators/slo_detail.h"

namespace lg::validators {
namespace detail {

std::string fmt_number(double v, int precision) {
  std::ostringstream o;
  o.precision(precision);
  o << v;
  return o.str();
}

std::string error_kinds_accepted() {
  std::string out;
  for (std::size_t n = 0; n < kErrorKinds; ++n) {
    out += (n ? ", " : "") + std::string(error_kind_name(static_cast<ErrorKind>(n)));
  }
  return out;
}

}  // namespace detail

using detail::error_kinds_accepted;
using detail::Family;
using detail::family_of;
using detail::fmt_number;
using detail::kMetrics;

std::string_view metric_name(Metric m) {
  for (const auto& [name, mm] : kMetrics)
    if (mm == m) return name;
  return "?";
}

std::string_view op_text(Op op) {
  if (op == Op::kWithin) return "within";
  for (const auto& [text, o] : detail::kOps)
    if (o == op) return text;
  return "?";
}

std::string aggregation_name(const Aggregation& a) {
  switch (a.kind) {
    case AggKind::kPercentile:
      return "p" + fmt_number(a.percentile);
    case AggKind::kMax:
      return "max";
    case AggKind::kMin:
      return "min";
    case AggKind::kMean:
      return "mean";
    case AggKind::kRate:
      return "rate";
    case AggKind::kCount:
      return "count";
    case AggKind::kEach:
      return "each";
  }
  return "?";
}

std::string accepted_aggregations(Metric m) {
  if (m == Metric::kScaleGap) return "none (min), min, max, mean";
  if (m == Metric::kUnhealthy) return "none (max), max";
  if (m == Metric::kRecovers || m == Metric::kReplaced)
    return "none (it is a time since the fault)";
  switch (family_of(m)) {
    case Family::kRatio:
      return "none (it is a ratio already)";
    case Family::kTime:
      return "p<N> or p(<N>) with 0 <= N <= 100, median, max, min, mean, avg";
    case Family::kFraction:
      return "none (it is a fraction already)";
    case Family::kRps:
      return "none (it is a rate already)";
    case Family::kCount:
      return m == Metric::kErrors ? "none (a count), or an error kind: " + error_kinds_accepted()
                                  : "none (it is a count)";
    case Family::kReplicas:
      return "none (every second's reading), min, max, mean";
  }
  return "";
}

std::expected<void, std::string> check_slo(const Slo& slo) {
  const std::string name(metric_name(slo.metric));
  const auto bad_agg = [&]() -> std::expected<void, std::string> {
    return std::unexpected("aggregation \"" + aggregation_name(slo.agg) + "\" does not suit " +
                           name + "; accepted: " + accepted_aggregations(slo.metric));
  };
  const AggKind k = slo.agg.kind;
  const bool fault_time = slo.metric == Metric::kRecovers || slo.metric == Metric::kReplaced;
  switch (family_of(slo.metric)) {
    case Family::kTime:
      if (fault_time) {
        if (k != AggKind::kRate) return bad_agg();
        break;
      }
      if (k != AggKind::kPercentile && k != AggKind::kMax && k != AggKind::kMin &&
          k != AggKind::kMean)
        return bad_agg();
      if (slo.metric == Metric::kScaleGap && k == AggKind::kPercentile) return bad_agg();
      if (slo.metric == Metric::kUnhealthy && k != AggKind::kMax) return bad_agg();
      if (k == AggKind::kPercentile && !(slo.agg.percentile >= 0 && slo.agg.percentile <= 100))
        return std::unexpected("percentile " + fmt_number(slo.agg.percentile) +
                               " is outside 0..100");
      break;
    case Family::kFraction:
    case Family::kRps:
    case Family::kRatio:
      if (k != AggKind::kRate) return bad_agg();
      break;
    case Family::kCount:
      if (k != AggKind::kCount) return bad_agg();
      break;
    case Family::kReplicas:
      if (k != AggKind::kEach && k != AggKind::kMin && k != AggKind::kMax && k != AggKind::kMean)
        return bad_agg();
      break;
  }
  if (slo.error_kind && slo.metric != Metric::kErrors)
    return std::unexpected("an error kind applies only to errors, not to " + name);
  for (double v : {slo.limit, slo.limit_high}) {
    if (!std::isfinite(v) || v < 0)
      return std::unexpected("the limit of " + name + " must be a finite number >= 0");
    if (family_of(slo.metric) == Family::kFraction && v > 1)
      return std::unexpected("the limit of " + name + " is a fraction 0..1, not " + fmt_number(v));
  }
  if (slo.op == Op::kWithin && slo.limit_high < slo.limit)
    return std::unexpected("the high bound is below the low bound");
  if (detail::is_fault_check(slo.metric)) {
    if (slo.fault == 0)
      return std::unexpected("faults count from 1: " + name + " needs fault 1 or above");
    if (fault_time && slo.op != Op::kLessEqual)
      return std::unexpected(name + " takes no operator: \"" + name + " within T of fault N\"");
    if (slo.deadline)
      return std::unexpected("\"within ... of step N\" applies to replicas OP N only");
  } else if (slo.fault != 0) {
    return std::unexpected("a fault number applies only to the fault checks, not to " + name);
  }
  if (slo.deadline) {
    if (slo.metric != Metric::kReplicas || k != AggKind::kEach || slo.op == Op::kWithin)
      return std::unexpected("\"within ... of step N\" applies to replicas OP N only");
    if (!(slo.deadline->within_ms > 0) || slo.deadline->step == 0)
      return std::unexpected("the deadline must be longer than 0 and the step at least 1");
  }
  return {};
}

bool needs_embedded_stack(const Slo& slo) {
  switch (slo.metric) {
    case Metric::kReplicas:
    case Metric::kScaleGap:
    case Metric::kScaleErrors:
    case Metric::kBalance:
    case Metric::kUnhealthy:
    case Metric::kRecovers:
    case Metric::kFaultErrors:
    case Metric::kReplaced:
      return true;
    default:
      return false;
  }
}

bool run_scope_only(const Slo& slo) {
  return slo.metric == Metric::kBalance || slo.deadline.has_value() ||
         detail::is_fault_check(slo.metric);
}

std::string format_value(Metric m, double value) {
  switch (family_of(m)) {
    case Family::kTime:
      return format_duration_us(value * 1000.0);
    case Family::kFraction:
      return fmt_number(value * 100.0, 3) + "%";
    case Family::kRps:
      return format_rate(value);
    case Family::kCount:
    case Family::kReplicas:
      return fmt_number(value);
    case Family::kRatio:
      return fmt_number(value, 3);
  }
  return fmt_number(value);
}

std::string format_limit(const Slo& slo) {
  const std::string fault = "fault " + std::to_string(slo.fault);
  if (slo.metric == Metric::kRecovers || slo.metric == Metric::kReplaced)
    return "within " + format_duration_us(slo.limit * 1000.0) + " of " + fault;
  if (slo.metric == Metric::kFaultErrors) {
    const std::string of =
        slo.op == Op::kWithin
            ? "within [" + format_value(slo.metric, slo.limit) + ", " +
                  format_value(slo.metric, slo.limit_high) + "]"
            : std::string(op_text(slo.op)) + " " + format_value(slo.metric, slo.limit);
    return of + " during " + fault;
  }
  if (slo.op == Op::kWithin)
    return "within [" + format_value(slo.metric, slo.limit) + ", " +
           format_value(slo.metric, slo.limit_high) + "]";
  std::string t = std::string(op_text(slo.op)) + " " + format_value(slo.metric, slo.limit);
  if (slo.deadline)
    t += " within " + format_duration_us(slo.deadline->within_ms * 1000.0) + " of step " +
         std::to_string(slo.deadline->step);
  return t;
}

}  // namespace lg::validators
