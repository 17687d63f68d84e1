#include "reports/html/report_data.h"

#include <algorithm>
#include <cmath>

namespace lg::reports {
namespace {

using nlohmann::json;

constexpr double kMaxSpectrumX = 1e5;  // p99.999: finer would need millions of samples
constexpr int kPointsPerDecade = 10;

double seconds(std::int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

// us -> ms; the log-scale chart cannot show 0, and 1 us is the histogram's resolution.
double spectrum_ms(std::uint64_t us) {
  return static_cast<double>(std::max<std::uint64_t>(us, 1)) / 1000.0;
}

json steps_json(const RunResult& r) {
  json out = json::array();
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const auto& s = r.steps[i];
    out.push_back({{"label", step_label(i, s)},
                   {"start_s", seconds(s.start_ns)},
                   {"end_s", seconds(s.end_ns)},
                   {"warmup", s.plan.warmup},
                   {"start_rate", s.plan.start_rate},
                   {"end_rate", s.plan.end_rate}});
  }
  return out;
}

json events_json(const std::vector<StackEvent>& events) {
  json out = json::array();
  for (const auto& e : events) {
    out.push_back(
        {{"t_s", e.t_s}, {"type", e.type}, {"from", e.from}, {"to", e.to}, {"reason", e.reason}});
  }
  return out;
}

// Fired timed actions as markers on the same time axis, at their actual time; the label says
// which fault (the number SLOs name it by), what and on what, and whether it failed. Actions that
// never fired have no place on the axis (the "Timed actions" table lists them).
void add_action_markers(json& events, const std::vector<ActionEvent>& actions) {
  for (const auto& a : actions) {
    if (a.fired_ns < 0) continue;
    const auto label = (a.fault == 0 ? "" : "fault " + std::to_string(a.fault) + ": ") + a.kind +
                       (a.target.empty() ? "" : " " + a.target) + (a.ok ? "" : " (failed)");
    events.push_back({{"t_s", seconds(a.fired_ns)},
                      {"type", "action"},
                      {"label", label},
                      {"reason", a.outcome}});
  }
}

// A per-second latency is null when the second had no responses (all three read 0).
json latency_or_null(const TimelinePoint& t, double value) {
  const bool none = t.latency.p50 == 0 && t.latency.p95 == 0 && t.latency.p99 == 0;
  return none ? json(nullptr) : json(value);
}

// One column per error category that has any error in the run: zero columns draw nothing.
json error_columns(const std::vector<TimelinePoint>& timeline) {
  json out = json::object();
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    const bool any = std::any_of(timeline.begin(), timeline.end(),
                                 [k](const TimelinePoint& t) { return t.counters.errors[k] > 0; });
    if (!any) continue;
    json column = json::array();
    for (const auto& t : timeline) column.push_back(t.counters.errors[k]);
    out[std::string(error_kind_name(static_cast<ErrorKind>(k)))] = column;
  }
  return out;
}

// A replica column (replicas or healthy), or null when no second knew it.
json count_column(const std::vector<TimelinePoint>& timeline, std::int32_t TimelinePoint::*field) {
  const bool known = std::any_of(timeline.begin(), timeline.end(),
                                 [field](const TimelinePoint& t) { return t.*field >= 0; });
  if (!known) return nullptr;
  json column = json::array();
  for (const auto& t : timeline) column.push_back(t.*field < 0 ? json(nullptr) : json(t.*field));
  return column;
}

json timeline_json(const std::vector<TimelinePoint>& timeline) {
  json t = json::array(), sent = json::array(), completed = json::array();
  json p50 = json::array(), p95 = json::array(), p99 = json::array();
  json cpu = json::array(), lag = json::array();
  for (const auto& p : timeline) {
    t.push_back(p.second);
    sent.push_back(p.counters.sent);
    completed.push_back(p.counters.completed);
    p50.push_back(latency_or_null(p, p.latency.p50));
    p95.push_back(latency_or_null(p, p.latency.p95));
    p99.push_back(latency_or_null(p, p.latency.p99));
    cpu.push_back(p.cpu_percent);
    lag.push_back(p.max_lag_ms);
  }
  return {{"t", t},
          {"sent", sent},
          {"completed", completed},
          {"p50_ms", p50},
          {"p95_ms", p95},
          {"p99_ms", p99},
          {"errors", error_columns(timeline)},
          {"cpu_percent", cpu},
          {"max_lag_ms", lag},
          {"replicas", count_column(timeline, &TimelinePoint::replicas)},
          {"healthy", count_column(timeline, &TimelinePoint::healthy)}};
}

json spectrum_json(const RunResult& r) {
  json out = json::array();
  for (std::size_t i = 0; i < r.steps.size(); ++i) {
    const auto& s = r.steps[i];
    if (s.plan.warmup || s.data.latency.total_count() == 0) continue;
    out.push_back({{"label", step_label(i, s)},
                   {"count", s.data.latency.total_count()},
                   {"points", spectrum_points(s.data.latency)}});
  }
  return out;
}

// The right end of the shared time axis, in whole seconds: past the last thing any chart draws.
double x_max(const RunResult& r) {
  double end = seconds(r.duration_ns);
  if (!r.timeline.empty()) end = std::max(end, static_cast<double>(r.timeline.back().second + 1));
  if (!r.steps.empty()) end = std::max(end, seconds(r.steps.back().end_ns));
  return std::ceil(end);
}

}  // namespace

std::string step_label(std::size_t index, const StepResult& s) {
  return s.plan.label.empty() ? "step " + std::to_string(index + 1) : s.plan.label;
}

json spectrum_points(const Histogram& us) {
  json points = json::array();
  const auto count = static_cast<double>(us.total_count());
  if (count == 0) return points;
  const double last = std::min(kMaxSpectrumX, std::max(2.0, count));
  for (int i = 0;; ++i) {
    // Rounded to 4 decimals: plenty for a log axis, and a smaller page.
    const double x =
        std::round(std::pow(10.0, static_cast<double>(i) / kPointsPerDecade) * 1e4) / 1e4;
    if (x > last) break;
    points.push_back({x, spectrum_ms(us.value_at_percentile(100.0 * (1.0 - 1.0 / x)))});
  }
  if (points.back()[0].get<double>() < last) {
    points.push_back({last, spectrum_ms(us.value_at_percentile(100.0 * (1.0 - 1.0 / last)))});
  }
  return points;
}

json report_data(const StoredResult& stored) {
  const auto& r = stored.result;
  auto events = events_json(stored.observed.events);
  add_action_markers(events, r.actions);
  return {{"x_max", x_max(r)},
          {"steps", steps_json(r)},
          {"events", events},
          {"timeline", timeline_json(r.timeline)},
          {"spectrum", spectrum_json(r)}};
}

}  // namespace lg::reports
