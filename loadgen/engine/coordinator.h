// The coordinator: resolves the target, splits the schedule over worker threads, starts them
// together, drains their snapshots into a RunResult, and turns SIGINT/SIGTERM into a graceful
// stop. It owns the only cross-thread structure (the snapshot queue).
#pragma once
#include <atomic>
#include <expected>
#include <functional>
#include <string>

#include "loadgen/core/run_result.h"

namespace lg::engine {

struct RunHooks {
  // Called on the coordinator's thread for every completed second, in order.
  std::function<void(const TimelinePoint&)> on_second;
  // Install SIGINT/SIGTERM handlers for the run (the CLI does; tests usually do not).
  bool handle_signals = true;
  // Checked every second: when it becomes true the run stops as on SIGINT (for interrupts
  // that arrived before the engine's own handlers were installed).
  const std::atomic<bool>* stop_flag = nullptr;
  // Called once per drained batch of snapshots (about once per second) on the coordinator's
  // thread: the system under test's replica count (replicas, healthy), e.g. from HAProxy.
  std::function<std::pair<std::int32_t, std::int32_t>()> sample_replicas;
  // Grace period for in-flight responses after an interrupt.
  std::int64_t interrupt_grace_ns = 2'000'000'000;
  // After the schedule's end, in-flight requests get their own timeout to finish, at most
  // this long; the ones still in flight then are `abandoned`.
  std::int64_t drain_limit_ns = 30'000'000'000;
  // Runs the plan's timed actions (RunPlan::actions), each when the run's clock reaches its
  // `at`, on the coordinator's action thread (action_runner.h); each becomes an ActionEvent in
  // RunResult::actions. The engine knows no kinds: an unknown one is the executor's to refuse.
  std::function<ActionOutcome(const TimedAction&)> run_action;
};

struct RunError {
  int exit_code;  // kExitInvalidInput or kExitEnvironment
  std::string message;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (as Go's runtime does): 10,000 connections
// need more than the usual soft limit of 1024. Call early (children inherit it).
void raise_fd_limit();

// The connection cap a plan asks for (plan.connections, or an automatic one).
std::uint32_t connection_cap(const RunPlan& plan);
// The worker thread count actually used for a plan.
std::uint32_t worker_count(const RunPlan& plan);

// Runs the plan to completion (or interrupt). Blocks the calling thread. Refused before any
// request (kExitInvalidInput) when the connections asked for do not fit the descriptor limit.
std::expected<RunResult, RunError> run(const RunPlan& plan, const RunHooks& hooks);

}  // namespace lg::engine
