#include "reports/merge/merge.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "reports/merge/merge_check.h"

namespace lg::reports {
namespace {

// The shards in index order, each with its offset from the earliest shard's start.
struct Part {
  const RunResult* r = nullptr;
  const StackRecord* observed = nullptr;
  const std::string* name = nullptr;
  double offset_ms = 0;      // started_unix_ms - the earliest shard's
  std::int64_t shift_s = 0;  // offset_ms rounded to whole seconds: the timeline's shift
};

std::vector<Part> parts_of(const std::vector<StoredResult>& shards,
                           const std::vector<std::string>& names,
                           const std::vector<std::size_t>& order) {
  double earliest = shards[order[0]].result.started_unix_ms;
  for (auto i : order) earliest = std::min(earliest, shards[i].result.started_unix_ms);
  std::vector<Part> parts;
  for (auto i : order) {
    const auto& r = shards[i].result;
    const double off = r.started_unix_ms - earliest;
    parts.push_back({&r, &shards[i].observed, &names[i], off, std::llround(off / 1000.0)});
  }
  return parts;
}

// A per-shard resource count summed; 0 (automatic) stays 0.
std::uint32_t sum_or_auto(const std::vector<Part>& parts, std::uint32_t RunPlan::*field) {
  std::uint32_t sum = 0;
  for (const auto& p : parts) {
    if (p.r->plan.*field == 0) return 0;
    sum += p.r->plan.*field;
  }
  return sum;
}

RunPlan merged_plan(const std::vector<Part>& parts) {
  RunPlan plan = parts[0].r->plan;
  plan.shard_index = 0;
  plan.shard_count = 1;
  plan.threads = sum_or_auto(parts, &RunPlan::threads);
  plan.connections = sum_or_auto(parts, &RunPlan::connections);
  return plan;
}

// Counters and histograms added; rate and replicas derived as a run derives them, from the
// merged timeline.
std::vector<StepResult> merge_steps(const RunPlan& plan, const std::vector<Part>& parts,
                                    const std::vector<TimelinePoint>& timeline,
                                    std::int64_t duration_ns) {
  std::vector<StepResult> steps = parts[0].r->steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto& s = steps[i];
    s.plan = plan.steps[i];
    // Each shard records the whole scenario's planned rate: recomputed, not summed.
    s.target_rate = plan.mode == LoopMode::kOpen ? (s.plan.start_rate + s.plan.end_rate) / 2 : 0;
    for (std::size_t k = 1; k < parts.size(); ++k) s.data.merge(parts[k].r->steps[i].data);
    finish_step(s, timeline, duration_ns);
  }
  return steps;
}

// Percentiles of a second's completions: the maximum over the shards, an upper bound (see
// merge.h); the count and the mean are exact.
void merge_latency(LatencySummary& into, const LatencySummary& s) {
  const auto total = into.count + s.count;
  if (total > 0)
    into.mean =
        (into.mean * static_cast<double>(into.count) + s.mean * static_cast<double>(s.count)) /
        static_cast<double>(total);
  if (s.count > 0) into.min = into.count > 0 ? std::min(into.min, s.min) : s.min;
  into.count = total;
  for (auto f : {&LatencySummary::p50, &LatencySummary::p90, &LatencySummary::p95,
                 &LatencySummary::p99, &LatencySummary::p999, &LatencySummary::max}) {
    into.*f = std::max(into.*f, s.*f);
  }
  into.lower_bounds |= s.lower_bounds;  // a bound in any shard may be the maximum taken
}

void merge_point(TimelinePoint& into, const TimelinePoint& t) {
  into.counters.add(t.counters);
  merge_latency(into.latency, t.latency);
  into.cpu_percent += t.cpu_percent;  // % of one core, summed over the shards' processes
  into.max_lag_ms = std::max(into.max_lag_ms, t.max_lag_ms);
  into.open_connections += t.open_connections;
  into.rss_kb = std::max(into.rss_kb, t.rss_kb);  // per process: the largest
  into.replicas = std::max(into.replicas, t.replicas);
  into.healthy = std::max(into.healthy, t.healthy);
}

std::vector<TimelinePoint> merge_timeline(const std::vector<Part>& parts) {
  std::map<std::int64_t, TimelinePoint> by_second;
  for (const auto& p : parts) {
    for (auto t : p.r->timeline) {
      t.second += p.shift_s;
      const auto [it, fresh] = by_second.emplace(t.second, t);
      if (!fresh) merge_point(it->second, t);
    }
  }
  std::vector<TimelinePoint> out;
  for (auto& [second, t] : by_second) out.push_back(std::move(t));
  return out;
}

GeneratorStats merge_generator(const std::vector<Part>& parts, const StepAccum& total) {
  GeneratorStats g = parts[0].r->generator;
  if (parts.size() > 1 && g.saturated)
    g.saturation_reason = *parts[0].name + ": " + g.saturation_reason;
  for (std::size_t k = 1; k < parts.size(); ++k) {
    const auto& o = parts[k].r->generator;
    g.threads += o.threads;
    g.cpu_seconds += o.cpu_seconds;
    g.lag.merge(o.lag);
    g.peak_rss_kb = std::max(g.peak_rss_kb, o.peak_rss_kb);
    g.elapsed_ns = std::max(g.elapsed_ns, o.elapsed_ns);  // the shards ran side by side
    g.clean_shutdown = g.clean_shutdown && o.clean_shutdown;
    if (o.saturated) {
      g.saturation_reason +=
          (g.saturated ? "; " : "") + *parts[k].name + ": " + o.saturation_reason;
      g.saturated = true;
    }
  }
  const auto done = total.counters.responses;
  g.cpu_us_per_request = done ? g.cpu_seconds * 1e6 / static_cast<double>(done) : 0;
  return g;
}

// The first shard's events that has any (the shards watch one stack), on the merged clock.
std::vector<StackEvent> merge_events(const std::vector<Part>& parts) {
  for (const auto& p : parts) {
    if (p.observed->events.empty()) continue;
    std::vector<StackEvent> out;
    for (auto e : p.observed->events) {
      const auto same = [&](const StackEvent& x) {
        return std::tie(x.time, x.type, x.from, x.to) == std::tie(e.time, e.type, e.from, e.to);
      };
      if (std::any_of(out.begin(), out.end(), same)) continue;
      e.t_s += p.offset_ms / 1000.0;
      out.push_back(std::move(e));
    }
    return out;
  }
  return {};
}

std::vector<ReplicaLoad> merge_replica_load(const std::vector<Part>& parts) {
  std::vector<ReplicaLoad> out;
  for (const auto& p : parts) {
    for (const auto& l : p.observed->replica_load) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const ReplicaLoad& x) { return x.server == l.server; });
      if (it == out.end()) {
        out.push_back(l);
        continue;
      }
      it->requests += l.requests;
      it->fair_share += l.fair_share;
      it->seconds_up = std::max(it->seconds_up, l.seconds_up);
    }
  }
  return out;
}

}  // namespace

std::expected<RunRecord, std::string> merge_shards(const std::vector<StoredResult>& shards,
                                                   const std::vector<std::string>& names) {
  auto order = check_shard_set(shards, names);
  if (!order) return std::unexpected(order.error());
  const auto parts = parts_of(shards, names, *order);
  const RunResult& first = *parts[0].r;
  RunRecord rec;
  rec.stack = shards[(*order)[0]].stack;  // identical in every shard (check_shard_set)
  rec.slos = shards[(*order)[0]].slos;
  RunResult& m = rec.result;
  m.plan = merged_plan(parts);
  m.target_url = first.target_url;
  const auto earliest =
      std::find_if(parts.begin(), parts.end(), [](const Part& p) { return p.offset_ms == 0; });
  m.started_at = earliest->r->started_at;
  m.started_unix_ms = earliest->r->started_unix_ms;
  for (const auto& p : parts) {
    m.duration_ns = std::max(m.duration_ns, p.r->duration_ns);
    m.interrupted = m.interrupted || p.r->interrupted;
  }
  m.timeline = merge_timeline(parts);
  m.steps = merge_steps(m.plan, parts, m.timeline, m.duration_ns);
  m.total = first.total;
  for (std::size_t k = 1; k < parts.size(); ++k) m.total.merge(parts[k].r->total);
  m.generator = merge_generator(parts, m.total);
  rec.observed.events = merge_events(parts);
  rec.observed.replica_load = merge_replica_load(parts);
  return rec;
}

}  // namespace lg::reports
