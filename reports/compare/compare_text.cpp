#include "reports/compare/compare_text.h"

#include <algorithm>

namespace lg::reports {
namespace {

std::string value_text(Metric m, const std::optional<double>& v) {
  return v ? format_value(m, *v) : "n/a";
}

}  // namespace

std::string aligned_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string delta_text(const MetricRow& r) {
  if (r.judged.change == Change::kNoData) return "n/a";
  if (r.judged.delta == 0) return "0";
  return format_relative(r.judged.relative) + " (" + format_delta(r.metric, r.judged.delta) + ")";
}

std::string tolerance_text(const Tolerance& t) {
  return "tolerance " + format_percent(t.relative) + ", latency floor " +
         format_threshold(Metric::kP50, t.latency_floor_ms);
}

std::string comparison_table(const Comparison& c) {
  std::vector<std::vector<std::string>> rows{
      {"scope", "metric", "base", "candidate", "delta", "verdict"}};
  for (const auto& r : c.rows) {
    rows.push_back({r.scope, std::string(metric_name(r.metric)), value_text(r.metric, r.base),
                    value_text(r.metric, r.candidate), delta_text(r),
                    std::string(change_name(r.judged.change)) + ": " + r.explanation});
  }
  std::string out = aligned_table(rows);
  for (const auto& n : c.notes) out += "note: " + n + "\n";
  return out;
}

std::string comparison_summary(const Comparison& c) {
  const auto worse = c.count(Change::kWorse);
  const auto better = std::to_string(c.count(Change::kBetter));
  const auto total = std::to_string(c.rows.size());
  if (worse == 0) {
    return "compare: no regression: " + total + " metrics, 0 worse, " + better + " better; " +
           tolerance_text(c.tolerance);
  }
  return "compare: REGRESSION: " + std::to_string(worse) + " of " + total +
         " metrics worse (worst: " + c.worst()->explanation + "), " + better + " better; " +
         tolerance_text(c.tolerance);
}

}  // namespace lg::reports
