#include "reports/compare/compare_metrics.h"

#include <cmath>
#include <cstdio>

#include "loadgen/core/units.h"

namespace lg::reports {
namespace {

std::string step_scope(const StepResult& s, std::size_t index) {
  std::string t = "step " + std::to_string(index + 1);
  if (!s.plan.label.empty()) t += ": " + s.plan.label;
  return t;
}

std::optional<double> percentile_ms(const Histogram& us, double p) {
  if (us.total_count() == 0) return std::nullopt;
  return static_cast<double>(us.value_at_percentile(p)) / 1000.0;
}

ScopeValues values_of(std::string scope, const StepAccum& data, double seconds) {
  ScopeValues v;
  v.scope = std::move(scope);
  v.values[0] = percentile_ms(data.latency, 50);
  v.values[1] = percentile_ms(data.latency, 95);
  v.values[2] = percentile_ms(data.latency, 99);
  v.values[3] = seconds > 0 ? static_cast<double>(data.counters.sent) / seconds : 0.0;
  const auto& c = data.counters;
  if (c.completed + c.failed() + c.dropped > 0) v.values[4] = c.error_rate();
  return v;
}

// Up to 3 significant digits, trailing zeros dropped: "0.5", "12.5", "10".
std::string three_digits(double v) {
  const double a = std::fabs(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", a < 10 ? 2 : a < 100 ? 1 : 0, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

std::string_view metric_name(Metric m) {
  switch (m) {
    case Metric::kP50:
      return "p50";
    case Metric::kP95:
      return "p95";
    case Metric::kP99:
      return "p99";
    case Metric::kRate:
      return "achieved rate";
    case Metric::kErrorRate:
      return "error rate";
  }
  return "?";
}

bool higher_is_worse(Metric m) {
  return m != Metric::kRate;
}

std::vector<ScopeValues> scope_values(const RunResult& r) {
  std::vector<ScopeValues> out;
  StepAccum run;
  double run_seconds = 0;
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const StepResult& s = r.steps[i];
    if (s.plan.warmup) continue;
    auto v = values_of(step_scope(s, i), s.data, 0);
    v.values[3] = s.achieved_rate;  // as the run stored it: sent / the step's duration
    out.push_back(std::move(v));
    run.merge(s.data);
    run_seconds += static_cast<double>(s.end_ns - s.start_ns) / 1e9;
  }
  out.push_back(values_of("run", run, run_seconds));
  return out;
}

std::string where(const std::string& scope) {
  return scope == "run" ? "over the whole run" : "in " + scope;
}

std::string format_value(Metric m, double v) {
  switch (m) {
    case Metric::kRate:
      return format_rate(v);
    case Metric::kErrorRate:
      return format_percent(v);
    default:
      return format_duration_us(v * 1000.0);
  }
}

std::string format_delta(Metric m, double delta) {
  const std::string sign = delta < 0 ? "-" : "+";
  const double a = std::fabs(delta);
  if (m == Metric::kErrorRate) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f pp", a * 100);
    return sign + buf;
  }
  return sign + format_value(m, a);
}

std::string format_threshold(Metric m, double v) {
  std::string s = format_delta(m, v).substr(1);
  const auto end = s.find_first_not_of("0123456789.");
  std::string number = s.substr(0, end);
  const std::string unit = end == std::string::npos ? "" : s.substr(end);
  if (number.find('.') != std::string::npos) {
    number.erase(number.find_last_not_of('0') + 1);
    if (number.back() == '.') number.pop_back();
  }
  return number + unit;
}

std::string format_percent(double fraction) {
  return three_digits(fraction * 100) + "%";
}

std::string format_relative(double relative) {
  if (std::isinf(relative)) return relative > 0 ? "+inf%" : "-inf%";
  if (relative >= 10) return three_digits(1 + relative) + "x";
  return (relative < 0 ? "" : "+") + format_percent(relative);
}

}  // namespace lg::reports
