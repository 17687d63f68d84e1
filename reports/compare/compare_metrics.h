// The numbers that compare and history put side by side: for each judged scope of a run (every
// non-warm-up step, then the whole run) latency p50/p95/p99, achieved rate and error rate.
// Pure: computed from a RunResult's decoded histograms and counters.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/run_result.h"

namespace lg::reports {

enum class Metric { kP50, kP95, kP99, kRate, kErrorRate };
inline constexpr std::array<Metric, 5> kMetrics{Metric::kP50, Metric::kP95, Metric::kP99,
                                                Metric::kRate, Metric::kErrorRate};

// "p50", "p95", "p99", "achieved rate", "error rate".
std::string_view metric_name(Metric m);

// Which way is worse: latency and error rate when they rise, achieved rate when it falls.
bool higher_is_worse(Metric m);

// One scope's values. Units: latency in ms, rate in requests/s, error rate as a fraction.
// A value is unknown (nullopt) when there is nothing to measure: no responses (latency) or
// nothing that came due (error rate).
struct ScopeValues {
  std::string scope;  // "step N: LABEL" (N counts from 1, warm-up included) or "run"
  std::array<std::optional<double>, kMetrics.size()> values;

  const std::optional<double>& operator[](Metric m) const {
    return values[static_cast<std::size_t>(m)];
  }
};

// Every non-warm-up step in order, then "run": the non-warm-up steps merged (histograms merge
// exactly), its rate being their requests sent over their planned durations, as the SLO checks
// compute it (validators/evaluate.h).
std::vector<ScopeValues> scope_values(const RunResult& r);

// "step 4: 500 users" -> "in step 4: 500 users"; "run" -> "over the whole run".
std::string where(const std::string& scope);

// A value with its unit: "1.23ms", "950/s", "0.50%".
std::string format_value(Metric m, double v);
// A signed change with its unit: "+42.0ms", "-150/s", "+2.00 pp" (error rate: percentage points).
std::string format_delta(Metric m, double delta);
// A threshold, trailing zeros dropped: "5ms", "1/s", "0.1 pp".
std::string format_threshold(Metric m, double v);
// A fraction as a percentage, up to 3 significant digits: 0.1 -> "10%", 0.3818 -> "38.2%".
std::string format_percent(double fraction);
// A relative change: "+38%", "-4.2%"; from +1000% on, as a factor of the base: "12.5x" (the
// candidate is 12.5 times the base); "+inf%" when the base was 0.
std::string format_relative(double relative);

}  // namespace lg::reports
