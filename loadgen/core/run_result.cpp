#include "loadgen/core/run_result.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include "loadgen/core/pacer.h"

namespace lg {
namespace {

double ms(std::uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

// Where each LatencyStat is held, in the enumeration's order.
constexpr std::array<double LatencySummary::*, kLatencyStatNames.size()> kStatMembers{
    &LatencySummary::p50, &LatencySummary::p90,  &LatencySummary::p95,
    &LatencySummary::p99, &LatencySummary::p999, &LatencySummary::max};

// Timeline merge: counters add, histograms merge (drops counted), lag is the max.
void merge_into(IntervalSnapshot& into, const IntervalSnapshot& s) {
  into.counters.add(s.counters);
  into.counters.unrecorded += into.latency.merge(s.latency);
  into.cpu_ns += s.cpu_ns;
  into.max_lag_ns = std::max(into.max_lag_ns, s.max_lag_ns);
  into.open_connections += s.open_connections;
  into.rss_kb = std::max(into.rss_kb, s.rss_kb);
  into.replicas = std::max(into.replicas, s.replicas);
  into.healthy = std::max(into.healthy, s.healthy);
}

}  // namespace

// Seconds whose start lies in [start, end) and that have a reading.
ReplicaSummary replica_summary(const std::vector<TimelinePoint>& timeline, std::int64_t start_ns,
                               std::int64_t end_ns) {
  ReplicaSummary out;
  double sum = 0;
  int n = 0;
  for (const auto& t : timeline) {
    const auto at = t.second * 1'000'000'000;
    if (at < start_ns || at >= end_ns || t.replicas < 0) continue;
    out.min = out.min < 0 ? t.replicas : std::min(out.min, t.replicas);
    out.max = std::max(out.max, t.replicas);
    sum += t.replicas;
    ++n;
  }
  if (n > 0) out.mean = sum / n;
  return out;
}

void finish_step(StepResult& s, const std::vector<TimelinePoint>& timeline,
                 std::int64_t duration_ns) {
  // An interrupted run covers only part of its steps: rate over the part that ran.
  const auto ran_ns = std::clamp<std::int64_t>(duration_ns, s.start_ns, s.end_ns) - s.start_ns;
  const double secs = static_cast<double>(ran_ns) / 1e9;
  s.achieved_rate = secs > 0 ? static_cast<double>(s.data.counters.sent) / secs : 0;
  s.ok_rate = secs > 0 ? static_cast<double>(s.data.counters.completed) / secs : 0;
  s.replicas = replica_summary(timeline, s.start_ns, s.end_ns);
}

double mean_target_rate(const std::vector<StepResult>& steps) {
  double arrivals = 0, secs = 0;
  for (const auto& s : steps) {
    const double d = static_cast<double>(s.end_ns - s.start_ns) / 1e9;
    arrivals += s.target_rate * d;
    secs += d;
  }
  return secs > 0 ? arrivals / secs : 0;
}

double LatencySummary::value(LatencyStat s) const {
  const auto i = static_cast<std::size_t>(s);
  return i < kStatMembers.size() ? this->*kStatMembers[i] : 0;
}

LatencySummary summarize(const Histogram& h, std::uint64_t floor_us) {
  LatencySummary s;
  s.count = h.total_count();
  if (s.count == 0) return s;
  const std::array<double, 5> pct{50, 90, 95, 99, 99.9};
  std::array<std::uint64_t, kStatMembers.size()> us{};
  for (std::size_t i = 0; i < pct.size(); ++i) us[i] = h.value_at_percentile(pct[i]);
  us[5] = h.max();
  for (std::size_t i = 0; i < us.size(); ++i) {
    s.*kStatMembers[i] = ms(us[i]);
    if (floor_us > 0 && us[i] >= floor_us) s.lower_bounds |= static_cast<std::uint8_t>(1U << i);
  }
  s.min = ms(h.min());
  s.mean = h.mean() / 1000.0;
  return s;
}

std::uint64_t censor_floor_us(const Histogram& us, const Counters& c, std::int64_t timeout_ns) {
  if (c.error(ErrorKind::kTimeout) == 0 || timeout_ns <= 0) return 0;
  return std::max<std::uint64_t>(
      1, us.lowest_equivalent(static_cast<std::uint64_t>(timeout_ns / 1000)));
}

LatencySummary summarize_latency(const Histogram& us, const Counters& c, std::int64_t timeout_ns) {
  return summarize(us, censor_floor_us(us, c, timeout_ns));
}

ResultBuilder::ResultBuilder(const RunPlan& plan, std::uint32_t workers) : workers_(workers) {
  result_.plan = plan;
  result_.generator.threads = workers;
  const Schedule schedule(plan.steps);
  for (std::uint32_t i = 0; i < plan.steps.size(); ++i) {
    StepResult s;
    s.plan = plan.steps[i];
    s.start_ns = schedule.step_start(i);
    s.end_ns = schedule.step_start(i + 1);
    s.target_rate = plan.mode == LoopMode::kOpen ? (s.plan.start_rate + s.plan.end_rate) / 2 : 0;
    result_.steps.push_back(std::move(s));
  }
}

std::vector<TimelinePoint> ResultBuilder::add(IntervalSnapshot&& snap) {
  if (snap.final) {
    ++finals_;
    final_seconds_.push_back(snap.second);
    for (std::size_t i = 0; i < snap.steps.size() && i < result_.steps.size(); ++i) {
      result_.steps[i].data.merge(snap.steps[i]);
    }
    snap.steps.clear();
    if (result_.tls_failure.empty()) result_.tls_failure = std::move(snap.tls_failure);
  }
  auto& p = pending_[snap.second];
  if (p.seen == 0) {
    p.merged = std::move(snap);
  } else {
    merge_into(p.merged, snap);
  }
  ++p.seen;
  // A second is complete when every worker that was still running then delivered it: a
  // worker that finished earlier (its final snapshot) delivers nothing later.
  std::vector<TimelinePoint> done;
  while (!pending_.empty()) {
    auto it = pending_.begin();
    const auto gone = std::count_if(final_seconds_.begin(), final_seconds_.end(),
                                    [&](std::int64_t f) { return f < it->first; });
    if (it->second.seen + static_cast<std::uint32_t>(gone) < workers_) break;
    done.push_back(complete(it->second));
    result_.timeline.push_back(done.back());
    pending_.erase(it);
  }
  return done;
}

TimelinePoint ResultBuilder::complete(Pending& p) const {
  TimelinePoint t;
  t.second = p.merged.second;
  t.counters = p.merged.counters;
  t.latency = summarize_latency(p.merged.latency, p.merged.counters, result_.plan.timeout_ns);
  t.cpu_percent = static_cast<double>(p.merged.cpu_ns) / 1e7;  // ns per 1 s interval -> %
  t.max_lag_ms = static_cast<double>(p.merged.max_lag_ns) / 1e6;
  t.open_connections = p.merged.open_connections;
  t.rss_kb = p.merged.rss_kb;
  t.replicas = p.merged.replicas;
  t.healthy = p.merged.healthy;
  return t;
}

RunResult ResultBuilder::finish(std::int64_t duration_ns, double cpu_seconds) {
  auto r = std::move(result_);
  r.duration_ns = duration_ns;
  for (auto& s : r.steps) {
    finish_step(s, r.timeline, duration_ns);
    r.total.merge(s.data);
  }
  r.generator.cpu_seconds = cpu_seconds;
  r.generator.lag = r.total.lag;
  const auto done = r.total.counters.responses;
  r.generator.cpu_us_per_request = done ? cpu_seconds * 1e6 / static_cast<double>(done) : 0;
  return r;
}

}  // namespace lg
