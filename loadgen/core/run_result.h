// RunResult: what a run measured, as values. reports/ turns it into result.json; validators/
// judge it. ResultBuilder assembles it from worker snapshots (pure: testable without threads).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/run_plan.h"
#include "loadgen/core/snapshot.h"

namespace lg {

// The figures of a LatencySummary that can be lower bounds, in result.json's spelling.
enum class LatencyStat : std::uint8_t { kP50, kP90, kP95, kP99, kP999, kMax };
inline constexpr std::array<std::string_view, 6> kLatencyStatNames{"p50", "p90",   "p95",
                                                                   "p99", "p99_9", "max"};

// Percentiles of a latency histogram, in milliseconds (recorded in us).
struct LatencySummary {
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0, min = 0, mean = 0;
  std::uint64_t count = 0;
  // Bit i (i = LatencyStat) set: that figure falls among requests that timed out. They enter
  // the histogram at their timeout but took at least that long, so the true figure is at least
  // the one shown (printed ">= 1s"; result.json lists it under "at_least").
  std::uint8_t lower_bounds = 0;

  bool at_least(LatencyStat s) const { return (lower_bounds >> static_cast<int>(s)) & 1U; }
  double value(LatencyStat s) const;
};

// floor_us > 0: figures >= floor_us are lower bounds (see censor_floor_us); 0: all exact.
LatencySummary summarize(const Histogram& us, std::uint64_t floor_us = 0);

// Where the censored region of a latency (or service) histogram starts: the lowest value that
// shares the timeout's slot, if any request of these counters timed out; else 0 (none).
std::uint64_t censor_floor_us(const Histogram& us, const Counters& c, std::int64_t timeout_ns);

// summarize() with the censoring that the counters' timeouts imply.
LatencySummary summarize_latency(const Histogram& us, const Counters& c, std::int64_t timeout_ns);

// Replica count over a step, from the per-second readings (all -1 when unknown).
struct ReplicaSummary {
  std::int32_t min = -1;
  std::int32_t max = -1;
  double mean = -1;
};

struct StepResult {
  StepPlan plan;
  std::int64_t start_ns = 0;  // planned start, ns since the run's start
  std::int64_t end_ns = 0;    // planned end
  StepAccum data;
  double target_rate = 0;    // mean planned rate, requests/s (open loop)
  double achieved_rate = 0;  // requests sent / the step's planned seconds
  double ok_rate = 0;        // valid responses (status < 400) / the step's planned seconds
  ReplicaSummary replicas;
};

// The plan's mean target rate over all its steps, requests/s: planned arrivals / planned
// seconds (open loop; 0 for a closed loop, which has no target).
double mean_target_rate(const std::vector<StepResult>& steps);

struct TimelinePoint {
  std::int64_t second = 0;
  Counters counters;
  LatencySummary latency;  // of completions in this second
  double cpu_percent = 0;  // generator CPU, % of one core, summed over worker threads
  double max_lag_ms = 0;
  std::int32_t open_connections = 0;  // summed over the workers; a gauge, signed
  std::int64_t rss_kb = 0;            // generator process RSS at the end of the second
  std::int32_t replicas = -1;         // read from the load balancer (ground truth); -1 unknown
  std::int32_t healthy = -1;
};

struct GeneratorStats {
  std::uint32_t threads = 0;
  double cpu_seconds = 0;  // user + system of the whole process over the run
  double cpu_us_per_request = 0;
  Histogram lag;  // us, all arrivals
  std::int64_t peak_rss_kb = 0;
  bool clean_shutdown = false;  // every event loop closed with no handle left open
  bool saturated = false;       // could not keep the schedule (exit code 3)
  std::string saturation_reason;
  std::int64_t elapsed_ns = 0;  // measured: t = 0 to the last worker done (the drain included)
};

// What an executor says about one action it ran: ok, and in words what happened ("done", or
// why not, e.g. "unknown action kind 'x'").
struct ActionOutcome {
  bool ok = false;
  std::string text;
};

// A timed action as the run recorded it, in `at` order. Not fired (fired_ns -1, ok false) when
// the run ended or was interrupted before its time; `outcome` then says which.
struct ActionEvent {
  std::string kind;
  std::string target;
  std::int64_t at_ns = 0;      // planned, ns since the run's t = 0
  std::int64_t fired_ns = -1;  // when the executor was called, ns since t = 0; -1 not fired
  std::string outcome;         // the executor's text, or why it was not fired
  bool ok = false;
  std::uint32_t fault = 0;  // TimedAction::fault: 1 + the scenario fault's index (its start and
                            // its end, e.g. a pause and its resume, share it); 0 = not a fault
};

struct RunResult {
  RunPlan plan;
  std::string target_url;
  std::string started_at;        // wall clock, ISO 8601 UTC: a label only
  double started_unix_ms = 0;    // the same instant in ms since the epoch (aligns stack events)
  std::int64_t duration_ns = 0;  // the plan's length, or until the interrupt (rates use it)
  bool interrupted = false;
  std::vector<StepResult> steps;
  std::vector<TimelinePoint> timeline;
  StepAccum total;
  GeneratorStats generator;
  std::vector<ActionEvent> actions;  // one per plan.actions entry, in `at` order
  // Why the first TLS handshake that failed did ("certificate verify failed: self-signed
  // certificate"); "" when none failed (or the target is http://).
  std::string tls_failure;
};

// Derives a step's achieved rate (requests sent over the part of the step that ran: all of it
// unless the run ended early) and its replica summary (the seconds of `timeline` that start
// within the step and have a reading) from its counters and the run's timeline.
void finish_step(StepResult& s, const std::vector<TimelinePoint>& timeline,
                 std::int64_t duration_ns);

// Collects snapshots from `workers` worker threads. A second is complete (and reported by
// add()) once every worker has delivered it; finish() builds the result.
class ResultBuilder {
 public:
  ResultBuilder(const RunPlan& plan, std::uint32_t workers);
  // Returns the timeline points that became complete with this snapshot (usually 0 or 1).
  std::vector<TimelinePoint> add(IntervalSnapshot&& snap);
  bool all_final() const { return finals_ == workers_; }
  RunResult finish(std::int64_t duration_ns, double cpu_seconds);

 private:
  struct Pending {
    std::uint32_t seen = 0;
    IntervalSnapshot merged;
  };
  TimelinePoint complete(Pending& p) const;
  RunResult result_;
  std::uint32_t workers_;
  std::uint32_t finals_ = 0;
  std::vector<std::int64_t> final_seconds_;  // the last second of each finished worker
  std::map<std::int64_t, Pending> pending_;
};

}  // namespace lg
