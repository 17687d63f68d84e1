#include "validators/evaluate.h"

#include <cstdint>
#include <optional>
#include <sstream>
#include <utility>

#include "loadgen/core/units.h"

namespace lg::validators {
namespace {

// What one check looks at: a step, or every non-warm-up step of the run.
struct Window {
  std::string scope;  // "step 2: 50 users" or "run"
  std::string where;  // "in step 2: 50 users" or "over the whole run (...)"
  StepAccum data;
  double seconds = 0;  // planned duration of the window
  double rps = 0;
  std::vector<std::pair<std::int64_t, std::int32_t>> replicas;  // (second, count) when known
  std::size_t unknown_seconds = 0;
  std::size_t steps = 0;
};

std::string num(double v) {
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}

bool compare(Op op, double x, double lo, double hi) {
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

void add_replicas(Window& w, const RunResult& r, const StepResult& s) {
  for (const auto& p : r.timeline) {
    const std::int64_t t_ns = p.second * 1'000'000'000;
    if (t_ns < s.start_ns || t_ns >= s.end_ns) continue;
    if (p.replicas >= 0)
      w.replicas.emplace_back(p.second, p.replicas);
    else
      ++w.unknown_seconds;
  }
}

std::string subject(const Slo& slo) {
  switch (slo.metric) {
    case Metric::kLatency:
    case Metric::kService:
    case Metric::kLag:
      return std::string(metric_name(slo.metric)) + " " + aggregation_name(slo.agg);
    case Metric::kErrorRate:
      return "the error rate";
    case Metric::kLateRate:
      return "the late-send rate";
    case Metric::kDroppedRate:
      return "the dropped-arrival rate";
    case Metric::kErrors:
      return slo.error_kind
                 ? "the " + std::string(error_kind_name(*slo.error_kind)) + " error count"
                 : "the failed-request count";
    case Metric::kDropped:
      return "the dropped-arrival count";
    case Metric::kLate:
      return "the late-send count";
    case Metric::kRps:
      return "the achieved request rate";
    case Metric::kReplicas:
      return slo.agg.kind == AggKind::kEach ? "the replica count in every second"
                                            : "the replica " + aggregation_name(slo.agg);
  }
  return "?";
}

struct Observation {
  std::optional<double> value;  // empty: nothing to measure
  std::string detail;           // evidence ("over 100 responses") or why there is no data
};

Observation observe(const Slo& slo, const Window& w) {
  const Counters& c = w.data.counters;
  auto hist_value = [&](const Histogram& h, const char* none, const char* what) -> Observation {
    if (h.total_count() == 0) return {std::nullopt, none};
    double us = 0;
    switch (slo.agg.kind) {
      case AggKind::kPercentile:
        us = static_cast<double>(h.value_at_percentile(slo.agg.percentile));
        break;
      case AggKind::kMax:
        us = static_cast<double>(h.max());
        break;
      case AggKind::kMin:
        us = static_cast<double>(h.min());
        break;
      default:
        us = h.mean();
        break;
    }
    return {us / 1000.0, "over " + std::to_string(h.total_count()) + " " + what};
  };
  auto ratio = [](std::uint64_t n, std::uint64_t d, const char* none,
                  std::string detail) -> Observation {
    if (d == 0) return {std::nullopt, none};
    return {static_cast<double>(n) / static_cast<double>(d), std::move(detail)};
  };
  const bool any_arrival = c.scheduled > 0 || c.sent > 0;
  switch (slo.metric) {
    case Metric::kLatency:
      return hist_value(w.data.latency, "there were no responses", "responses");
    case Metric::kService:
      return hist_value(w.data.service, "there were no responses", "responses");
    case Metric::kLag:
      return hist_value(w.data.lag, "no arrival was dispatched", "arrivals");
    case Metric::kErrorRate: {
      const auto d = c.completed + c.failed() + c.dropped;
      return ratio(c.failed(), d, "no request completed, failed or was dropped",
                   std::to_string(c.failed()) + " failed of " + std::to_string(d));
    }
    case Metric::kLateRate:
      return ratio(c.late, c.sent, "no request was sent",
                   std::to_string(c.late) + " late of " + std::to_string(c.sent) + " sent");
    case Metric::kDroppedRate:
      return ratio(c.dropped, c.scheduled, "no arrival was scheduled",
                   std::to_string(c.dropped) + " dropped of " + std::to_string(c.scheduled));
    case Metric::kErrors:
    case Metric::kDropped:
    case Metric::kLate: {
      if (!any_arrival) return {std::nullopt, "no arrival was scheduled"};
      const std::uint64_t n = slo.metric == Metric::kDropped ? c.dropped
                              : slo.metric == Metric::kLate  ? c.late
                              : slo.error_kind               ? c.error(*slo.error_kind)
                                                             : c.failed();
      return {static_cast<double>(n), "of " + std::to_string(c.scheduled) + " arrivals"};
    }
    case Metric::kRps:
      if (w.seconds <= 0) return {std::nullopt, "the window has no duration"};
      return {w.rps, std::to_string(c.sent) + " sent in " + num(w.seconds) + " s"};
    case Metric::kReplicas: {
      if (w.replicas.empty())
        return {std::nullopt, "the replica count was unknown in every second"};
      double mn = w.replicas.front().second, mx = mn, sum = 0;
      for (const auto& [t, n] : w.replicas) {
        mn = std::min(mn, static_cast<double>(n));
        mx = std::max(mx, static_cast<double>(n));
        sum += n;
      }
      std::string d = "over " + std::to_string(w.replicas.size()) + " seconds";
      if (w.unknown_seconds > 0) d += ", " + std::to_string(w.unknown_seconds) + " unknown";
      const double v = slo.agg.kind == AggKind::kMin ? mn
                       : slo.agg.kind == AggKind::kMax
                           ? mx
                           : sum / static_cast<double>(w.replicas.size());
      return {v, d};
    }
  }
  return {std::nullopt, "unknown metric"};
}

Check judge(const Slo& slo, const Window& w) {
  Check c;
  c.name = slo.text;
  c.scope = w.scope;
  c.limit = format_limit(slo);
  const std::string expected = subject(slo) + " " + c.limit;
  std::string capital = w.where;
  if (!capital.empty()) capital[0] = static_cast<char>(capital[0] - 'a' + 'A');
  if (slo.metric == Metric::kReplicas && slo.agg.kind == AggKind::kEach && !w.replicas.empty()) {
    // Every second's reading must hold; report the range and the first offending second.
    std::int32_t mn = w.replicas.front().second, mx = mn;
    std::optional<std::pair<std::int64_t, std::int32_t>> bad;
    for (const auto& p : w.replicas) {
      mn = std::min(mn, p.second);
      mx = std::max(mx, p.second);
      if (!bad && !compare(slo.op, p.second, slo.limit, slo.limit_high)) bad = p;
    }
    c.observed = mn == mx ? std::to_string(mn) : std::to_string(mn) + ".." + std::to_string(mx);
    c.passed = !bad;
    std::string ev = "the replica count was " + c.observed + " over " +
                     std::to_string(w.replicas.size()) + " seconds";
    if (w.unknown_seconds > 0) ev += " (" + std::to_string(w.unknown_seconds) + " unknown)";
    if (bad)
      ev += ", first outside at second " + std::to_string(bad->first) + " with " +
            std::to_string(bad->second) + " replicas";
    c.explanation = capital + ", expected " + expected + "; observed " + ev + ": " +
                    (c.passed ? "passed." : "failed.");
    return c;
  }
  const Observation o = observe(slo, w);
  if (!o.value) {
    c.observed = "no data";
    c.passed = false;
    c.explanation = capital + ", expected " + expected + "; observed no data (" + o.detail +
                    "), so the check fails.";
    return c;
  }
  c.observed = format_value(slo.metric, *o.value);
  c.passed = compare(slo.op, *o.value, slo.limit, slo.limit_high);
  c.explanation = capital + ", expected " + expected + "; observed " + c.observed + " (" +
                  o.detail + "): " + (c.passed ? "passed." : "failed.");
  return c;
}

std::string step_scope(const StepResult& s, std::size_t index) {
  std::string t = "step " + std::to_string(index + 1);
  if (!s.plan.label.empty()) t += ": " + s.plan.label;
  return t;
}

}  // namespace

std::vector<Check> evaluate(const std::vector<Slo>& slos, const RunResult& result, Scope scope) {
  std::vector<Window> steps;
  Window run;
  run.scope = "run";
  for (std::size_t i = 0; i < result.steps.size(); ++i) {
    const StepResult& s = result.steps[i];
    if (s.plan.warmup) continue;
    Window w;
    w.scope = step_scope(s, i);
    w.where = "in " + w.scope;
    w.data = s.data;
    w.seconds = static_cast<double>(s.end_ns - s.start_ns) / 1e9;
    w.rps = s.achieved_rate;
    w.steps = 1;
    add_replicas(w, result, s);
    run.data.merge(s.data);
    run.seconds += w.seconds;
    run.replicas.insert(run.replicas.end(), w.replicas.begin(), w.replicas.end());
    run.unknown_seconds += w.unknown_seconds;
    ++run.steps;
    steps.push_back(std::move(w));
  }
  run.rps = run.seconds > 0 ? static_cast<double>(run.data.counters.sent) / run.seconds : 0;
  const std::size_t warm = result.steps.size() - run.steps;
  run.where = "over the whole run (" + std::to_string(run.steps) + " steps" +
              (warm > 0 ? ", " + std::to_string(warm) + " warm-up excluded)" : ")");

  std::vector<Check> out;
  for (const Slo& slo : slos) {
    if (scope != Scope::kRun)
      for (const Window& w : steps) out.push_back(judge(slo, w));
    if (scope != Scope::kPerStep) out.push_back(judge(slo, run));
  }
  return out;
}

bool all_passed(const std::vector<Check>& checks) {
  if (checks.empty()) return false;
  for (const auto& c : checks)
    if (!c.passed) return false;
  return true;
}

}  // namespace lg::validators
