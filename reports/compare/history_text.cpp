#include "reports/compare/history_text.h"

#include <cmath>
#include <vector>

#include "reports/compare/compare_text.h"

namespace lg::reports {
namespace {

// A value with its change against the previous release: "!" worse, "*" better.
std::string cell(const Trend& t, std::size_t i) {
  if (!t.values[i]) return "n/a";
  const std::string v = format_value(t.metric, *t.values[i]);
  switch (t.changes[i]) {
    case Change::kWorse:
      return v + " !";
    case Change::kBetter:
      return v + " *";
    default:
      return v;
  }
}

std::string plural(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// The newest release against the one before it, in words.
MetricRow newest_row(const History& h, const Trend& t) {
  const std::size_t n = t.values.size();
  return compare_metric(t.metric, t.scope, t.values[n - 2], t.values[n - 1], h.tolerance,
                        h.releases[n - 2], h.releases[n - 1]);
}

// What became of a regression that entered.
std::string fate(const History& h, const Trend& t) {
  if (t.recovered) return "recovered at " + h.releases[*t.recovered];
  if (*t.entered + 1 == h.releases.size()) return "the newest release";
  return "persisted through " + h.releases.back();
}

}  // namespace

std::string trend_words(const History& h, const Trend& t) {
  if (!t.entered) return "-";
  const std::size_t e = *t.entered;
  const auto j = judge(t.metric, t.values[e - 1], t.values[e], h.tolerance);
  std::string out = "entered at " + h.releases[e] + " (" + format_relative(j.relative) + ")";
  if (e + 1 == h.releases.size()) return out + ", the newest";
  if (t.recovered) {
    out += ", recovered at " + h.releases[*t.recovered];
    if (t.changes.back() == Change::kWorse) out += ", worse again at " + h.releases.back();
    return out;
  }
  return out + ", persisted through " + h.releases.back();
}

std::string history_table(const History& h) {
  std::string out = plural(h.releases.size(), "release") + ", in " + order_text(h) + "\n";
  std::vector<std::vector<std::string>> rows{{"scope", "metric"}};
  for (const auto& r : h.releases) rows[0].push_back(r);
  rows[0].push_back("regression");
  for (const auto& t : h.trends) {
    std::vector<std::string> row{t.scope, std::string(metric_name(t.metric))};
    for (std::size_t i = 0; i < t.values.size(); ++i) row.push_back(cell(t, i));
    row.push_back(trend_words(h, t));
    rows.push_back(std::move(row));
  }
  out += aligned_table(rows);
  out += "! worse than the release before (beyond both the tolerance and the floor), * better; " +
         tolerance_text(h.tolerance) + "\n";
  for (const auto& t : h.trends) {
    if (!t.entered) continue;
    out +=
        "regression at " + h.releases[*t.entered] + ": " + t.entry_words + "; " + fate(h, t) + "\n";
  }
  return out;
}

std::string history_summary(const History& h) {
  const std::string newest = h.releases.back();
  const std::string previous = h.releases[h.releases.size() - 2];
  const auto regressions = h.newest_regressions();
  if (!regressions.empty()) {
    const Trend* worst = regressions[0];
    double worst_rel = 0;
    for (const Trend* t : regressions) {
      const double rel = std::fabs(newest_row(h, *t).judged.relative);
      if (rel > worst_rel) worst = t, worst_rel = rel;
    }
    return "history: REGRESSION: the newest release " + newest + " is worse than " + previous +
           " in " + plural(regressions.size(), "metric") +
           " (worst: " + newest_row(h, *worst).explanation + "); " + tolerance_text(h.tolerance);
  }
  std::size_t entered = 0, persisted = 0;
  for (const auto& t : h.trends) {
    if (t.entered) ++entered;
    if (t.persisted()) ++persisted;
  }
  std::string out =
      "history: no regression in the newest release " + newest + " against " + previous + "; ";
  out += entered == 0 ? "no regression entered in any release"
                      : plural(entered, "regression") + " entered earlier (" +
                            std::to_string(persisted) + " persisted)";
  return out + "; " + tolerance_text(h.tolerance);
}

}  // namespace lg::reports
