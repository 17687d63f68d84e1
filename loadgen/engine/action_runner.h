// Fires a run's timed actions (RunPlan::actions) on the run's clock and records what happened.
// The engine does not know what an action does: it calls the executor it was given (RunHooks::
// run_action). Actions run on a thread of their own, not on the coordinator's loop: one may take
// time (stop a process and wait for it), and meanwhile the loop must keep draining the workers'
// snapshots every second. One thread, so actions run one at a time, in `at` order; one whose
// time comes while the previous one still runs fires when that returns (fired_ns shows it).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/core/run_result.h"

namespace lg::engine {

// Runs one action and says how it went. Called on the action thread; it must return (bound its
// own waits): the run's result waits for the action in progress. An exception counts as a
// failed action.
using ActionExecutor = std::function<ActionOutcome(const TimedAction&)>;

class ActionRunner {
 public:
  // `start_abs_ns`: uv_hrtime() of the run's t = 0 (may be in the future). Without an executor
  // every action fails, saying so. Starts the thread only if there are actions.
  ActionRunner(std::vector<TimedAction> actions, ActionExecutor execute,
               std::uint64_t start_abs_ns);
  ~ActionRunner();
  ActionRunner(const ActionRunner&) = delete;
  ActionRunner& operator=(const ActionRunner&) = delete;

  // The run is over for actions at `end_ns` (ns since t = 0): the ones planned before it that
  // have not fired yet fire now (they were due); the others are recorded as not fired, with
  // `why` as their outcome. Only the first call counts. Does not wait for an action in progress.
  void stop(std::int64_t end_ns, std::string why);

  // Waits for the thread (an action in progress runs to its end) and returns one event per
  // action, in `at` order (ties in the plan's order). Without a stop() first: stop(0, ...).
  std::vector<ActionEvent> finish();

 private:
  std::int64_t now_ns() const;  // the run's clock: ns since t = 0 (negative before it)
  void loop();
  ActionOutcome execute(const TimedAction& a) const;

  std::vector<TimedAction> actions_;
  ActionExecutor execute_;
  std::uint64_t start_abs_ns_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;             // guarded by mutex_
  std::int64_t end_ns_ = 0;          // guarded by mutex_: valid once stopped_
  std::string why_;                  // guarded by mutex_: valid once stopped_
  std::vector<ActionEvent> events_;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace lg::engine
