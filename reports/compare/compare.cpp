#include "reports/compare/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "reports/compare/compare_schedule.h"

namespace lg::reports {
namespace {

// Histogram precision (loadgen/core/histogram.h): a reported percentile r of a true value t has
// t <= r <= t * (1 + 1/1024), so two reports of equal true values can differ by up to 1/1024
// (about 0.1%) relative. That is far below any sane tolerance (the default is 10%), but a
// --tolerance 0 must not turn quantisation into regressions: latency changes up to this
// fraction are always noise.
constexpr double kHistogramPrecision = 1.0 / 1024;

double floor_of(Metric m, const Tolerance& tol) {
  switch (m) {
    case Metric::kRate:
      return tol.rate_floor;
    case Metric::kErrorRate:
      return tol.error_rate_floor;
    default:
      return tol.latency_floor_ms;
  }
}

bool is_latency(Metric m) {
  return m == Metric::kP50 || m == Metric::kP95 || m == Metric::kP99;
}

double relative_threshold(Metric m, const Tolerance& tol) {
  return is_latency(m) ? std::max(tol.relative, kHistogramPrecision) : tol.relative;
}

std::string_view direction_word(Metric m, bool worse) {
  if (is_latency(m)) return worse ? "slower" : "faster";
  const bool up = worse == higher_is_worse(m);
  return up ? "higher" : "lower";
}

std::string magnitude(Metric m, const Judged& j) {
  if (std::isinf(j.relative)) return format_delta(m, j.delta) + " (from 0)";
  const double rel = std::fabs(j.relative);
  const auto words = rel >= 10 ? format_relative(rel) : format_percent(rel);
  return words + " (" + format_delta(m, j.delta) + ")";
}

// Why a change is noise: "within the 10% tolerance", "under the 5ms floor" (the row shows the
// change itself).
std::string noise_words(Metric m, const Judged& j, const Tolerance& tol) {
  if (j.delta == 0) return "unchanged";
  const bool under_floor = std::fabs(j.delta) <= floor_of(m, tol);
  const bool within_tol = std::fabs(j.relative) <= tol.relative;
  std::string why;
  if (within_tol) why = "within the " + format_percent(tol.relative) + " tolerance";
  if (!within_tol && std::fabs(j.relative) <= relative_threshold(m, tol))
    why = "within the histogram's precision (0.1%)";
  if (under_floor) {
    if (!why.empty()) why += " and ";
    why += "under the " + format_threshold(m, floor_of(m, tol)) + " floor";
  }
  return why;
}

std::string explain(const MetricRow& row, const Tolerance& tol, const std::string& base_name,
                    const std::string& candidate_name) {
  const Judged& j = row.judged;
  const std::string name(metric_name(row.metric));
  switch (j.change) {
    case Change::kNoData: {
      const std::string who = !row.base && !row.candidate ? "either"
                              : !row.base                 ? base_name
                                                          : candidate_name;
      return "nothing to compare: no " +
             std::string(row.metric == Metric::kErrorRate ? "requests" : "responses") + " in " +
             who + " " + where(row.scope);
    }
    case Change::kSame:
      return noise_words(row.metric, j, tol);
    case Change::kBetter:
    case Change::kWorse:
      break;
  }
  const bool worse = j.change == Change::kWorse;
  return candidate_name + " " + name + " is " + magnitude(row.metric, j) + " " +
         std::string(direction_word(row.metric, worse)) + " than " + base_name + " " +
         where(row.scope);
}

std::vector<std::string> caveats(const RunResult& r, const std::string& side) {
  std::vector<std::string> out;
  if (r.interrupted) out.push_back(side + " run was interrupted: its last steps hold partial data");
  if (r.generator.saturated)
    out.push_back(side + " run's generator was saturated (" + r.generator.saturation_reason +
                  "): its latencies include the generator's own delay");
  return out;
}

}  // namespace

std::string_view change_name(Change c) {
  switch (c) {
    case Change::kSame:
      return "same";
    case Change::kBetter:
      return "better";
    case Change::kWorse:
      return "WORSE";
    case Change::kNoData:
      return "no data";
  }
  return "?";
}

Judged judge(Metric m, const std::optional<double>& base, const std::optional<double>& candidate,
             const Tolerance& tol) {
  Judged j;
  if (!base || !candidate) return j;
  j.delta = *candidate - *base;
  if (*base != 0)
    j.relative = j.delta / std::fabs(*base);
  else if (j.delta != 0)
    j.relative = std::copysign(std::numeric_limits<double>::infinity(), j.delta);
  // Both thresholds must be exceeded (see Tolerance).
  const bool significant =
      std::fabs(j.delta) > floor_of(m, tol) && std::fabs(j.relative) > relative_threshold(m, tol);
  if (!significant) {
    j.change = Change::kSame;
  } else {
    const bool worse = higher_is_worse(m) ? j.delta > 0 : j.delta < 0;
    j.change = worse ? Change::kWorse : Change::kBetter;
  }
  return j;
}

MetricRow compare_metric(Metric m, const std::string& scope, const std::optional<double>& base,
                         const std::optional<double>& candidate, const Tolerance& tol,
                         const std::string& base_name, const std::string& candidate_name) {
  MetricRow row{scope, m, base, candidate, judge(m, base, candidate, tol), ""};
  row.explanation = explain(row, tol, base_name, candidate_name);
  return row;
}

std::size_t Comparison::count(Change c) const {
  return static_cast<std::size_t>(std::count_if(
      rows.begin(), rows.end(), [c](const MetricRow& r) { return r.judged.change == c; }));
}

const MetricRow* Comparison::worst() const {
  const MetricRow* w = nullptr;
  for (const auto& r : rows) {
    if (r.judged.change != Change::kWorse) continue;
    if (w == nullptr || std::fabs(r.judged.relative) > std::fabs(w->judged.relative)) w = &r;
  }
  return w;
}

std::expected<Comparison, std::vector<std::string>> compare(const RunResult& base,
                                                            const RunResult& candidate,
                                                            const Tolerance& tol) {
  auto differences = schedule_differences(base.plan, candidate.plan);
  if (!differences.empty()) return std::unexpected(std::move(differences));
  Comparison out;
  out.tolerance = tol;
  const auto b = scope_values(base);
  const auto c = scope_values(candidate);
  // Same schedule, so the same scopes in the same order.
  for (std::size_t i = 0; i < b.size() && i < c.size(); ++i) {
    for (const Metric m : kMetrics)
      out.rows.push_back(compare_metric(m, b[i].scope, b[i][m], c[i][m], tol));
  }
  for (auto& n : caveats(base, "the base")) out.notes.push_back(std::move(n));
  for (auto& n : caveats(candidate, "the candidate")) out.notes.push_back(std::move(n));
  return out;
}

}  // namespace lg::reports
