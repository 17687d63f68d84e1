// The fault checks (fault_checks.h). Each works on whole timeline seconds: TimelinePoint
// `second` s covers [s, s + 1) s since the run's start.
//
// recovers within T of fault N
//   Baseline: the timeline seconds that end at or before the fault's start, the closest
//   kBaselineSeconds (10) of them, leaving out seconds that overlap a warm-up step and seconds
//   with no completed request; none: the check fails ("no baseline").
//     baseline p99    = the median of those seconds' latency p99
//     baseline errors = their unsuccessful / their scheduled arrivals
//   The band: a second is in it when its p99 <= max(1.5 x baseline p99, baseline p99 + 20 ms)
//   and its own unsuccessful / scheduled <= baseline errors + 1 percentage point. A second
//   with arrivals scheduled but no completion is out of it; a second with nothing scheduled is
//   not judged (skipped).
//   Recovered at the first judged second s from the one containing the fault's end on such
//   that s and the next 2 judged seconds (fewer where the run ends) are all in the band; the
//   time to recover is max(0, s's start - end). Passes when that is at most T.
//
// errors during fault N OP X
//   The seconds from the one the fault started in to the one containing its end. A kill's end
//   is 1 s after it fired, so that is the second it fired in and the next: requests the kill
//   cut fail up to a second later. Value: the seconds' unsuccessful over their scheduled
//   arrivals (at most 1); none scheduled: the check fails ("no data").
//
// replaced within T of fault N
//   h0 = `healthy` in the last second that ends at or before the fault's start and has a
//   reading (none: the check fails). Replaced at the first second s from the one the fault
//   started in on with healthy >= h0 and healthy == replicas (every replica in the balancer
//   UP) that comes after a second (from the fault's on) with healthy < h0, or after an
//   autoscaler "recovery" event logged at or after the start (by the end of s). Neither a dip
//   nor such an event until the run's end: the check fails, as it cannot tell that a
//   replacement happened. Passes when max(0, s's start - the fault's start) is at most T.
#include "validators/fault_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "loadgen/core/units.h"
#include "validators/fault_window.h"
#include "validators/slo_detail.h"

namespace lg::validators::detail {
namespace {

using Points = std::vector<const TimelinePoint*>;

Points by_second(const RunResult& r) {
  Points out;
  for (const auto& p : r.timeline) out.push_back(&p);
  std::stable_sort(out.begin(), out.end(), [](const TimelinePoint* a, const TimelinePoint* b) {
    return a->second < b->second;
  });
  return out;
}

// The second [s, s + 1) that contains `ns`.
std::int64_t second_of(std::int64_t ns) {
  return ns >= 0 ? ns / kSecondNs : -((-ns + kSecondNs - 1) / kSecondNs);
}

std::int64_t start_ns(const TimelinePoint& p) {
  return p.second * kSecondNs;
}

double share(std::uint64_t n, std::uint64_t d) {
  if (d == 0) return 0;
  return static_cast<double>(std::min(n, d)) / static_cast<double>(d);
}

double own_share(const TimelinePoint& p) {
  return share(p.counters.unsuccessful(), p.counters.scheduled);
}

bool in_warmup(const RunResult& r, const TimelinePoint& p) {
  for (const auto& s : r.steps)
    if (s.plan.warmup && start_ns(p) < s.end_ns && start_ns(p) + kSecondNs > s.start_ns)
      return true;
  return false;
}

// "12.5%", "0%".
std::string pct(double fraction) {
  return fmt_number(fraction * 100.0, 3) + "%";
}

// "42.5 ms".
std::string ms(double v) {
  return fmt_number(v, 4) + " ms";
}

// "3.0s": a time in seconds with one decimal.
std::string secs(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
  return buf;
}

// "second 7" or "seconds 3..9".
std::string seconds_range(std::int64_t from, std::int64_t to) {
  if (from == to) return "second " + std::to_string(from);
  return "seconds " + std::to_string(from) + ".." + std::to_string(to);
}

Check base_check(const Slo& slo) {
  Check c;
  c.name = slo.text;
  c.scope = "run";
  c.limit = format_limit(slo);
  return c;
}

Check failed(Check c, std::string observed, const std::string& expected, const std::string& why) {
  c.observed = std::move(observed);
  c.passed = false;
  c.explanation = "Over the run, expected " + expected + "; " + why + ", so the check fails.";
  return c;
}

// "fault 1 (kill replica:1, fired at t=10.000 s)" or "fault 2 (pause db, from t=5.000 s to
// t=7.000 s)".
std::string fault_text(const FaultWindow& w) {
  std::string t = "fault " + std::to_string(w.fault) + " (" + w.what;
  if (w.instant) return t + ", fired at t=" + seconds_text(w.start_ns) + " s)";
  return t + ", from t=" + seconds_text(w.start_ns) + " s to t=" + seconds_text(w.end_ns) + " s)";
}

// ---- recovers within T of fault N ----

struct Band {
  double p99_ms = 0, p99_limit_ms = 0;
  double errors = 0, errors_limit = 0;
  std::int64_t from_s = 0, to_s = 0;
  std::size_t seconds = 0;

  std::string text() const {
    return "baseline p99 " + ms(p99_ms) + " -> limit " + ms(p99_limit_ms) + ", baseline errors " +
           pct(errors) + " -> limit " + pct(errors_limit) + ", from " +
           seconds_range(from_s, to_s) + " (" + std::to_string(seconds) +
           " seconds before the fault)";
  }
};

std::optional<Band> baseline(const RunResult& r, const Points& points, std::int64_t fault_ns) {
  std::vector<const TimelinePoint*> base;
  for (const TimelinePoint* p : points) {
    if (start_ns(*p) + kSecondNs > fault_ns) break;
    if (p->counters.completed == 0 || in_warmup(r, *p)) continue;
    base.push_back(p);
  }
  if (base.empty()) return std::nullopt;
  if (base.size() > kBaselineSeconds)
    base.erase(base.begin(), base.end() - static_cast<std::ptrdiff_t>(kBaselineSeconds));
  std::vector<double> p99;
  std::uint64_t unsuccessful = 0, scheduled = 0;
  for (const TimelinePoint* p : base) {
    p99.push_back(p->latency.p99);
    unsuccessful += p->counters.unsuccessful();
    scheduled += p->counters.scheduled;
  }
  std::sort(p99.begin(), p99.end());
  const std::size_t n = p99.size();
  Band b;
  b.p99_ms = n % 2 == 1 ? p99[n / 2] : (p99[n / 2 - 1] + p99[n / 2]) / 2;
  b.p99_limit_ms = std::max(kBandP99Factor * b.p99_ms, b.p99_ms + kBandP99SlackMs);
  b.errors = share(unsuccessful, scheduled);
  b.errors_limit = b.errors + kBandErrorSlack;
  b.from_s = base.front()->second;
  b.to_s = base.back()->second;
  b.seconds = n;
  return b;
}

// How far out of the band a judged second is: <= 1 in it, infinity with no completion.
double badness(const TimelinePoint& p, const Band& b) {
  if (p.counters.completed == 0) return std::numeric_limits<double>::infinity();
  return std::max(p.latency.p99 / b.p99_limit_ms, own_share(p) / b.errors_limit);
}

bool in_band(const TimelinePoint& p, const Band& b) {
  constexpr double kEps = 1e-12;  // 0.02 + 0.01 is not exactly 0.03
  return p.counters.completed > 0 && p.latency.p99 <= b.p99_limit_ms + kEps &&
         own_share(p) <= b.errors_limit + kEps;
}

std::string second_text(const TimelinePoint& p) {
  const auto& c = p.counters;
  std::string t = "second " + std::to_string(p.second) + ": ";
  if (c.completed == 0)
    return t + std::to_string(c.scheduled) + " arrivals scheduled, no request completed";
  return t + "p99 " + ms(p.latency.p99) + ", errors " + pct(own_share(p)) + " (" +
         std::to_string(c.unsuccessful()) + " of " + std::to_string(c.scheduled) + ")";
}

Check judge_recovers(const Slo& slo, const RunResult& r, const FaultWindow& w, Check c) {
  const std::string expected = fault_text(w) + " to be recovered from within " +
                               format_duration_us(slo.limit * 1000.0) +
                               " of its end: latency p99 and the error share back in the band "
                               "of the seconds before it for " +
                               std::to_string(kRecoveredSeconds) + " judged seconds in a row";
  const Points points = by_second(r);
  const auto band = baseline(r, points, w.start_ns);
  if (!band)
    return failed(c, "no baseline", expected,
                  "there is no baseline: no timeline second outside warm-up ended before the "
                  "fault started (t=" +
                      seconds_text(w.start_ns) + " s) with a completed request");
  const std::string ended = w.instant ? "an instant fault, taken to end 1 s after it fired, at t=" +
                                            seconds_text(w.end_ns) + " s"
                                      : "it ended at t=" + seconds_text(w.end_ns) + " s";
  std::vector<const TimelinePoint*> judged;
  for (const TimelinePoint* p : points)
    if (p->second >= second_of(w.end_ns) && p->counters.scheduled > 0) judged.push_back(p);
  std::optional<std::int64_t> at;
  for (std::size_t i = 0; i < judged.size() && !at; ++i) {
    bool all = true;
    for (std::size_t k = i; k < std::min(judged.size(), i + kRecoveredSeconds); ++k)
      all = all && in_band(*judged[k], *band);
    if (all) at = judged[i]->second;
  }
  const double limit_ns = slo.limit * 1e6;
  std::optional<std::int64_t> after;
  if (at) after = std::max<std::int64_t>(0, *at * kSecondNs - w.end_ns);
  c.passed = after && static_cast<double>(*after) <= limit_ns;
  c.observed = after ? secs(*after) + " after the end" : "not recovered";
  std::string story = "the band: " + band->text() + "; " + ended + "; ";
  if (at) {
    story += "back in the band from second " + std::to_string(*at) + ", " + secs(*after) +
             " after the end";
  } else {
    story += judged.empty() ? "no arrival was scheduled after the end"
                            : "not back in the band for " + std::to_string(kRecoveredSeconds) +
                                  " judged seconds in a row by the run's last judged second (" +
                                  std::to_string(judged.back()->second) + ")";
  }
  if (!c.passed) {
    const TimelinePoint* worst = nullptr;
    for (const TimelinePoint* p : judged) {
      if (static_cast<double>(start_ns(*p) - w.end_ns) > limit_ns) break;
      if (!in_band(*p, *band) && (!worst || badness(*p, *band) > badness(*worst, *band))) worst = p;
    }
    if (worst)
      story += "; the worst second out of the band within " +
               format_duration_us(slo.limit * 1000.0) + " of the end was " + second_text(*worst);
  }
  c.explanation = "Over the run, expected " + expected + "; " + story + ": " +
                  (c.passed ? "passed." : "failed.");
  return c;
}

// ---- errors during fault N OP X ----

Check judge_fault_errors(const Slo& slo, const RunResult& r, const FaultWindow& w, Check c) {
  const std::int64_t from = second_of(w.start_ns), to = second_of(w.end_ns);
  const std::string window =
      seconds_range(from, to) +
      (w.instant ? ", the second the fault fired in and the next (requests a kill cuts fail up "
                   "to a second later)"
                 : ", from the second the fault started in to the one it ended in");
  const std::string expected =
      "the error share during " + fault_text(w) + " " + std::string(op_text(slo.op)) + " " +
      (slo.op == Op::kWithin ? "[" + pct(slo.limit) + ", " + pct(slo.limit_high) + "]"
                             : pct(slo.limit)) +
      ", over " + window;
  Counters sum;
  for (const auto& p : r.timeline)
    if (p.second >= from && p.second <= to) sum.add(p.counters);
  if (sum.scheduled == 0)
    return failed(c, "no data", expected, "no arrival was scheduled in those seconds");
  const double v = share(sum.unsuccessful(), sum.scheduled);
  c.passed = holds(slo.op, v, slo.limit, slo.limit_high);
  c.observed = format_value(slo.metric, v);
  if (!c.passed && (c.observed == format_value(slo.metric, slo.limit) ||
                    c.observed == format_value(slo.metric, slo.limit_high)))
    c.observed = fmt_number(v * 100.0, 9) + "%";  // "5%, limit < 5%: failed" reads wrong
  c.explanation = "Over the run, expected " + expected + "; observed " + c.observed + " (" +
                  std::to_string(sum.unsuccessful()) + " of " + std::to_string(sum.scheduled) +
                  " arrivals got no good answer: " + describe_failures(sum) +
                  "): " + (c.passed ? "passed." : "failed.");
  return c;
}

// ---- replaced within T of fault N ----

Check judge_replaced(const Slo& slo, const RunResult& r, const StackRecord& stack,
                     const FaultWindow& w, Check c) {
  const Points points = by_second(r);
  const TimelinePoint* before = nullptr;
  for (const TimelinePoint* p : points) {
    if (start_ns(*p) + kSecondNs > w.start_ns) break;
    if (p->healthy >= 0) before = p;
  }
  const std::string expected_base =
      "every replica UP again within " + format_duration_us(slo.limit * 1000.0) + " of " +
      fault_text(w) + " after a replica went down or the autoscaler recovered one";
  if (!before)
    return failed(c, "no data", expected_base,
                  "no second before the fault has a reading of the healthy replicas");
  const std::int32_t h0 = before->healthy;
  const std::string expected = expected_base + ": healthy >= " + std::to_string(h0) + " (second " +
                               std::to_string(before->second) +
                               ", the last reading before the fault) and healthy == replicas";
  // The first "recovery" event at or after the start.
  const StackEvent* recovery = nullptr;
  for (const auto& e : stack.events)
    if (e.type == "recovery" && e.t_s * 1e9 >= static_cast<double>(w.start_ns) &&
        (!recovery || e.t_s < recovery->t_s))
      recovery = &e;
  std::optional<std::int64_t> dip, replaced;
  std::int32_t lowest = h0;
  for (const TimelinePoint* p : points) {
    if (p->second < second_of(w.start_ns)) continue;
    const bool event_by = recovery && recovery->t_s < static_cast<double>(p->second + 1);
    if ((dip || event_by) && p->healthy >= 0 && p->replicas >= 0 && p->healthy >= h0 &&
        p->healthy == p->replicas) {
      replaced = p->second;
      break;
    }
    if (p->healthy >= 0 && p->healthy < h0) {
      if (!dip) dip = p->second;
      lowest = std::min(lowest, p->healthy);
    }
  }
  std::string story;
  if (dip)
    story = "healthy fell to " + std::to_string(lowest) + " from second " + std::to_string(*dip);
  if (recovery)
    story += (story.empty() ? "" : "; ") + std::string("the autoscaler logged a recovery at t=") +
             fmt_number(recovery->t_s, 6) + " s";
  if (!dip && !recovery)
    return failed(c, "not seen", expected,
                  "no replica was seen down or replaced after fault " + std::to_string(w.fault) +
                      ": the check cannot tell a replacement happened");
  std::optional<std::int64_t> after;
  if (replaced) after = std::max<std::int64_t>(0, *replaced * kSecondNs - w.start_ns);
  c.passed = after && static_cast<double>(*after) <= slo.limit * 1e6;
  c.observed = after ? secs(*after) + " after the start" : "not replaced";
  if (replaced) {
    const auto it = std::find_if(points.begin(), points.end(),
                                 [&](const TimelinePoint* p) { return p->second == *replaced; });
    story += "; every replica UP again at second " + std::to_string(*replaced) + " (" +
             std::to_string((*it)->healthy) + " of " + std::to_string((*it)->replicas) + "), " +
             secs(*after) + " after the fault started";
  } else {
    story += "; not back to " + std::to_string(h0) +
             " healthy with every replica UP by the run's end" +
             (points.empty() ? "" : " (second " + std::to_string(points.back()->second) + ")");
  }
  c.explanation = "Over the run, expected " + expected + "; " + story + ": " +
                  (c.passed ? "passed." : "failed.");
  return c;
}

}  // namespace

Check judge_fault_check(const Slo& slo, const RunResult& result, const StackRecord& stack) {
  Check c = base_check(slo);
  const auto w = fault_window(result, slo.fault);
  if (!w) return failed(c, "no data", "\"" + slo.text + "\"", w.error());
  switch (slo.metric) {
    case Metric::kRecovers:
      return judge_recovers(slo, result, *w, c);
    case Metric::kFaultErrors:
      return judge_fault_errors(slo, result, *w, c);
    case Metric::kReplaced:
      return judge_replaced(slo, result, stack, *w, c);
    default:
      break;
  }
  return failed(c, "no data", slo.text, "it is not a fault check");
}

}  // namespace lg::validators::detail
