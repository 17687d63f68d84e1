#include "validators/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "loadgen/core/units.h"
#include "validators/fault_checks.h"
#include "validators/slo_detail.h"

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
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;  // [start, end) ns of its steps
  const RunResult* run = nullptr;
  const StackRecord* stack = nullptr;  // never null in evaluate()

  bool contains_ns(std::int64_t t) const {
    for (const auto& [b, e] : spans)
      if (t >= b && t < e) return true;
    return false;
  }
  bool contains_second(std::int64_t s) const { return contains_ns(s * 1'000'000'000); }
};

bool is_scale_event(const StackEvent& e) {
  return e.type == "scale_up" || e.type == "scale_down";
}

std::int64_t event_ns(const StackEvent& e) {
  return static_cast<std::int64_t>(e.t_s * 1e9);
}

std::string num(double v) {
  std::ostringstream o;
  o.precision(6);
  o << v;
  return o.str();
}

bool compare(Op op, double x, double lo, double hi) {
  return detail::holds(op, x, lo, hi);
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
      if (slo.deadline) return "the replica count";
      return slo.agg.kind == AggKind::kEach ? "the replica count in every second"
                                            : "the replica " + aggregation_name(slo.agg);
    case Metric::kScaleGap:
      return "the " +
             std::string(slo.agg.kind == AggKind::kMin   ? "shortest"
                         : slo.agg.kind == AggKind::kMax ? "longest"
                                                         : "mean") +
             " time between scale events";
    case Metric::kScaleErrors:
      return "the failed-request count around scale events";
    case Metric::kBalance:
      return "the highest over the lowest per-replica traffic share";
    case Metric::kUnhealthy:
      return "the longest time a replica stayed in the balancer while not UP";
    case Metric::kRecovers:
      return "the time to recover after fault " + std::to_string(slo.fault);
    case Metric::kFaultErrors:
      return "the error share during fault " + std::to_string(slo.fault);
    case Metric::kReplaced:
      return "the time to replace a replica after fault " + std::to_string(slo.fault);
  }
  return "?";
}

struct Observation {
  std::optional<double> value;  // empty: nothing to measure
  std::string detail;           // evidence ("over 100 responses") or why there is no data
  bool vacuous = false;         // no value, and nothing that could break the rule: passes
  bool at_least = false;        // the value is a lower bound (it falls among timeouts)
};

// The shortest (min), longest (max) or mean gap between consecutive scale events whose later
// event falls in the window.
Observation observe_scale_gap(const Slo& slo, const Window& w) {
  std::vector<const StackEvent*> ev;
  for (const auto& e : w.stack->events)
    if (is_scale_event(e)) ev.push_back(&e);
  std::optional<double> best;
  double sum = 0;
  std::size_t n = 0;
  std::string where;
  for (std::size_t i = 1; i < ev.size(); ++i) {
    if (!w.contains_ns(event_ns(*ev[i]))) continue;
    // On the autoscaler's own clock when both have it: the wall clock can step by a few ms.
    const bool own = ev[i]->own_s >= 0 && ev[i - 1]->own_s >= 0;
    // Rounded to 1 us: below that the difference is floating-point noise, not the cooldown.
    const double gap_s = own ? ev[i]->own_s - ev[i - 1]->own_s : ev[i]->t_s - ev[i - 1]->t_s;
    const double gap_ms = std::round(gap_s * 1e6) / 1e3;
    const bool better = !best || (slo.agg.kind == AggKind::kMax ? gap_ms > *best : gap_ms < *best);
    if (better) {
      best = gap_ms;
      where = ev[i - 1]->type + " at t=" + num(ev[i - 1]->t_s) + " s, then " + ev[i]->type +
              " at t=" + num(ev[i]->t_s) + " s";
    }
    sum += gap_ms;
    ++n;
  }
  if (n == 0)
    return {std::nullopt,
            "fewer than two scale events (" + std::to_string(ev.size()) +
                " in the run), so no gap to break the rule",
            true};
  if (slo.agg.kind == AggKind::kMean)
    return {sum / static_cast<double>(n), "over " + std::to_string(n) + " gaps"};
  return {best, where + "; " + std::to_string(n) + " gaps"};
}

// Failed requests in the seconds from 1 s before to 5 s after each scale event.
Observation observe_scale_errors(const Window& w) {
  std::vector<std::int64_t> seconds;
  std::size_t events = 0;
  for (const auto& e : w.stack->events) {
    if (!is_scale_event(e)) continue;
    const auto s = static_cast<std::int64_t>(std::floor(e.t_s));
    bool counted = false;
    for (std::int64_t t = s - 1; t <= s + 5; ++t) {
      if (!w.contains_second(t)) continue;
      counted = true;
      if (std::find(seconds.begin(), seconds.end(), t) == seconds.end()) seconds.push_back(t);
    }
    if (counted) ++events;
  }
  std::uint64_t failed = 0;
  for (const auto& p : w.run->timeline)
    if (std::find(seconds.begin(), seconds.end(), p.second) != seconds.end())
      failed += p.counters.unsuccessful();
  if (events == 0) return {0.0, "no scale event in the window"};
  return {static_cast<double>(failed), "in the " + std::to_string(seconds.size()) +
                                           " seconds around " + std::to_string(events) +
                                           " scale events"};
}

// Highest over lowest per-replica share, from HAProxy's per-server counters (run scope).
Observation observe_balance(const Window& w) {
  constexpr double kMinShare = 100;  // requests: fewer make the ratio noise
  std::optional<std::pair<double, std::string>> hi, lo;
  std::size_t n = 0;
  for (const auto& r : w.stack->replica_load) {
    if (r.fair_share < kMinShare) continue;
    const double ratio = static_cast<double>(r.requests) / r.fair_share;
    if (!hi || ratio > hi->first) hi = {ratio, r.server};
    if (!lo || ratio < lo->first) lo = {ratio, r.server};
    ++n;
  }
  if (n < 2)
    return {std::nullopt, "fewer than two replicas had an even share of 100 requests or more (" +
                              std::to_string(w.stack->replica_load.size()) + " replicas recorded)"};
  const double v = lo->first > 0 ? hi->first / lo->first : std::numeric_limits<double>::infinity();
  return {v, hi->second + " served " + num(hi->first) + "x its even share, " + lo->second + " " +
                 num(lo->first) + "x; over " + std::to_string(n) + " replicas"};
}

// The longest stretch of consecutive seconds with a replica in the balancer but not UP.
Observation observe_unhealthy(const Window& w) {
  std::int64_t longest = 0, run = 0, start = 0, best_start = 0, last = -2;
  std::size_t known = 0;
  for (const auto& p : w.run->timeline) {
    if (!w.contains_second(p.second) || p.replicas < 0 || p.healthy < 0) continue;
    ++known;
    const bool bad = p.healthy < p.replicas;
    if (!bad || p.second != last + 1) run = 0;
    last = p.second;
    if (!bad) continue;
    if (run == 0) start = p.second;
    if (++run > longest) {
      longest = run;
      best_start = start;
    }
  }
  if (known == 0) return {std::nullopt, "the replica health was unknown in every second"};
  if (longest == 0)
    return {0.0,
            "every replica in the balancer was UP in all " + std::to_string(known) + " seconds"};
  return {static_cast<double>(longest) * 1000.0, "seconds " + std::to_string(best_start) + ".." +
                                                     std::to_string(best_start + longest - 1)};
}

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
    std::string detail = "over " + std::to_string(h.total_count()) + " " + what;
    // Timed-out requests are in the histogram at their timeout: a figure among them (or a mean
    // over them) is only a lower bound of the truth.
    const auto floor =
        slo.metric == Metric::kLag ? 0 : censor_floor_us(h, c, w.run ? w.run->plan.timeout_ns : 0);
    const bool at_least =
        floor > 0 && (slo.agg.kind == AggKind::kMean || us >= static_cast<double>(floor));
    if (at_least)
      detail += ", " + std::to_string(c.error(ErrorKind::kTimeout)) +
                " of them timed out and count at their timeout: the true figure is at least this";
    return {us / 1000.0, std::move(detail), false, at_least};
  };
  auto ratio = [](std::uint64_t n, std::uint64_t d, const char* none,
                  std::string detail) -> Observation {
    if (d == 0) return {std::nullopt, none};
    return {static_cast<double>(n) / static_cast<double>(d), std::move(detail)};
  };
  const bool any_arrival = c.scheduled > 0 || c.sent > 0;
  switch (slo.metric) {
    case Metric::kLatency:
      // Responses and timeouts (a timeout is recorded at its timeout).
      return hist_value(w.data.latency, "there were no responses", "requests");
    case Metric::kService:
      return hist_value(w.data.service, "there were no responses", "requests");
    case Metric::kLag:
      return hist_value(w.data.lag, "no arrival was dispatched", "arrivals");
    case Metric::kErrorRate: {
      if (c.scheduled == 0) return {std::nullopt, "no arrival was scheduled"};
      return {c.error_rate(), std::to_string(c.unsuccessful()) + " of " +
                                  std::to_string(c.scheduled) +
                                  " arrivals got no good answer: " + describe_failures(c)};
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
    case Metric::kScaleGap:
      return observe_scale_gap(slo, w);
    case Metric::kScaleErrors:
      return observe_scale_errors(w);
    case Metric::kBalance:
      return observe_balance(w);
    case Metric::kUnhealthy:
      return observe_unhealthy(w);
    case Metric::kRecovers:
    case Metric::kFaultErrors:
    case Metric::kReplaced:
      break;  // judge_fault_check (fault_checks.cpp)
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

// "replicas OP N within T of step S": the first second in [start of S, start + T] where the
// reading holds; else the closest reading seen.
Check judge_deadline(const Slo& slo, const Window& w, Check c, const std::string& expected) {
  const auto& steps = w.run->steps;
  const auto& d = *slo.deadline;
  if (d.step > steps.size()) {
    c.observed = "no data";
    c.passed = false;
    c.explanation = "Expected " + expected + "; the run has only " + std::to_string(steps.size()) +
                    " steps, so the check fails.";
    return c;
  }
  const StepResult& s = steps[d.step - 1];
  const std::int64_t from = s.start_ns,
                     to = s.start_ns + static_cast<std::int64_t>(d.within_ms * 1e6);
  const std::string where = "step " + std::to_string(d.step) +
                            (s.plan.label.empty() ? "" : " (" + s.plan.label + ")") +
                            ", which started at t=" + num(static_cast<double>(from) / 1e9) + " s";
  std::optional<std::pair<std::int64_t, std::int32_t>> hit, closest;
  std::size_t seen = 0;
  for (const auto& p : w.run->timeline) {
    const std::int64_t t = p.second * 1'000'000'000;
    if (t < from || t > to || p.replicas < 0) continue;
    ++seen;
    if (!hit && compare(slo.op, p.replicas, slo.limit, 0)) hit = {p.second, p.replicas};
    const bool up = slo.op == Op::kGreater || slo.op == Op::kGreaterEqual;
    if (!closest || (up ? p.replicas > closest->second : p.replicas < closest->second))
      closest = {p.second, p.replicas};
  }
  c.scope = "run";
  c.passed = hit.has_value();
  if (seen == 0) {
    c.observed = "no data";
    c.explanation = "Expected " + expected + " after " + where +
                    "; the replica count was unknown in that window, so the check fails.";
    return c;
  }
  if (hit) {
    c.observed = std::to_string(hit->second) + " at t=" + std::to_string(hit->first) + " s";
    c.explanation = "Expected " + expected + " after " + where + "; observed " +
                    std::to_string(hit->second) + " replicas at t=" + std::to_string(hit->first) +
                    " s, " + num(static_cast<double>(hit->first * 1'000'000'000 - from) / 1e9) +
                    " s after the step started: passed.";
    return c;
  }
  c.observed = std::to_string(closest->second) + " at best";
  c.explanation = "Expected " + expected + " after " + where + "; observed at best " +
                  std::to_string(closest->second) +
                  " replicas (t=" + std::to_string(closest->first) + " s) over " +
                  std::to_string(seen) + " seconds: failed.";
  return c;
}

Check judge(const Slo& slo, const Window& w) {
  if (detail::is_fault_check(slo.metric)) return detail::judge_fault_check(slo, *w.run, *w.stack);
  Check c;
  c.name = slo.text;
  c.scope = w.scope;
  c.limit = format_limit(slo);
  const std::string expected = subject(slo) + " " + c.limit;
  std::string capital = w.where;
  if (!capital.empty()) capital[0] = static_cast<char>(capital[0] - 'a' + 'A');
  if (slo.deadline) return judge_deadline(slo, w, c, expected);
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
  if (!o.value && o.vacuous) {
    c.observed = "none";
    c.explanation = capital + ", expected " + expected + "; " + o.detail + ": passed.";
    return c;
  }
  if (!o.value) {
    c.observed = "no data";
    c.passed = false;
    c.explanation = capital + ", expected " + expected + "; observed no data (" + o.detail +
                    "), so the check fails.";
    return c;
  }
  c.observed = format_value(slo.metric, *o.value);
  c.passed = compare(slo.op, *o.value, slo.limit, slo.limit_high);
  if (o.at_least) {
    // Only "greater than" rules hold for every value above a lower bound.
    c.passed = c.passed && (slo.op == Op::kGreater || slo.op == Op::kGreaterEqual);
    c.observed = ">= " + c.observed;
  }
  if (!c.passed && !o.at_least &&
      (c.observed == format_value(slo.metric, slo.limit) ||
       c.observed == format_value(slo.metric, slo.limit_high))) {
    // "observed 20.0s, limit >= 20.0s: failed" would read as a contradiction: show the digits.
    const bool time = slo.metric == Metric::kLatency || slo.metric == Metric::kService ||
                      slo.metric == Metric::kLag || slo.metric == Metric::kScaleGap ||
                      slo.metric == Metric::kUnhealthy;
    c.observed = time ? num(*o.value) + "ms" : num(*o.value);
  }
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

std::vector<Check> evaluate(const std::vector<Slo>& slos, const RunResult& result,
                            const StackRecord& stack, Scope scope) {
  std::vector<Window> steps;
  Window run;
  run.scope = "run";
  run.run = &result;
  run.stack = &stack;
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
    w.run = &result;
    w.stack = &stack;
    w.spans.emplace_back(s.start_ns, s.end_ns);
    run.spans.emplace_back(s.start_ns, s.end_ns);
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
    // A run-scope-only SLO is judged once, for the run, whatever the scope asks.
    const bool only_run = run_scope_only(slo);
    if (scope != Scope::kRun && !only_run)
      for (const Window& w : steps) out.push_back(judge(slo, w));
    if (scope != Scope::kPerStep || only_run) out.push_back(judge(slo, run));
  }
  return out;
}

std::vector<Check> evaluate(const std::vector<Slo>& slos, const RunResult& result, Scope scope) {
  return evaluate(slos, result, StackRecord{}, scope);
}

bool all_passed(const std::vector<Check>& checks) {
  if (checks.empty()) return false;
  for (const auto& c : checks)
    if (!c.passed) return false;
  return true;
}

}  // namespace lg::validators
