// The arrival schedule: pure functions of the plan and the time since the run's start.
//
// A schedule is a list of steps, each with a rate that moves linearly from start_rate to
// end_rate (a flat step when equal). N(t), the expected number of arrivals by time t, is the
// integral of that rate. Arrival k is due when the cumulative axis reaches position u_k:
//   constant arrivals:  u_k = k                     (evenly spaced within a flat step)
//   Poisson arrivals:   u_k = g_0 + ... + g_k, g_i ~ Exp(1) drawn from (seed, i)
// and its time is N^-1(u_k). Every time is computed from the absolute start, never from the
// previous send, so pacing cannot drift; and because u_k depends only on (plan, seed, k), any
// worker thread or shard can compute any arrival without talking to the others.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "loadgen/core/run_plan.h"

namespace lg {

class Schedule {
 public:
  explicit Schedule(const std::vector<StepPlan>& steps);

  // N(t): expected arrivals in [0, t], t in ns since start (clamped to [0, end_ns()]).
  double expected_arrivals(std::int64_t t_ns) const;
  // N^-1(u): the time (ns since start) at which the cumulative axis reaches u >= 0;
  // nullopt when u >= total_arrivals() (past the end of the schedule).
  std::optional<std::int64_t> time_at(double u) const;
  // The step holding time t (the last step for t >= end_ns()).
  std::uint32_t step_at(std::int64_t t_ns) const;
  // Instantaneous rate in requests/s at time t.
  double rate_at(std::int64_t t_ns) const;
  // Constant arrivals due in [0, t] (arrival k is due at N^-1(k)): the count a pacer must have
  // sent by t. Pure: this is what the pacer tables test.
  std::uint64_t constant_due(std::int64_t t_ns) const;

  double total_arrivals() const { return cumulative_.back(); }
  std::int64_t end_ns() const { return starts_.back(); }
  std::int64_t step_start(std::uint32_t s) const { return starts_[s]; }
  std::size_t step_count() const { return steps_.size(); }

 private:
  std::uint32_t step_for_position(double u) const;
  std::vector<StepPlan> steps_;
  std::vector<std::int64_t> starts_;  // step i spans [starts_[i], starts_[i+1]), size steps+1
  std::vector<double> cumulative_;    // N(starts_[i]), size steps+1
};

// One due arrival: its global index, its intended send time and the step it belongs to.
struct DueArrival {
  std::uint64_t index = 0;
  std::int64_t due_ns = 0;  // intended send time, ns since the run's start
  std::uint32_t step = 0;
};

// Walks the arrivals owned by one worker (index = first, first + stride, ...) in time order.
// For constant arrivals each position is computed directly; for Poisson ones the cursor sums
// the skipped gaps (stride is small: threads x shards).
class ArrivalCursor {
 public:
  ArrivalCursor(const Schedule& schedule, Arrival arrival, std::uint64_t seed, std::uint64_t first,
                std::uint64_t stride);
  // The next arrival, or nullopt when the schedule is exhausted.
  const std::optional<DueArrival>& peek() const { return next_; }
  void advance();

 private:
  void compute();
  double gap(std::uint64_t i) const;
  const Schedule* schedule_;
  Arrival arrival_;
  std::uint64_t seed_;
  std::uint64_t stride_;
  std::uint64_t index_;
  double position_ = 0;  // u_index
  std::optional<DueArrival> next_;
};

}  // namespace lg
