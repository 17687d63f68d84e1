// What each timed action kind does (RunPlan::actions; the engine only fires them on time).
// A library of its own, outside the engine and the app: the app builds one Executor per run
// and hands the engine its run() (RunHooks::run_action). The kinds, once each, are the table in
// executor.cpp:
//   "noop"    does nothing and succeeds ("done"); for tests of the machinery
//   "kill"    SIGKILL the process groups behind the target (a scenario's faults)
//   "pause"   SIGSTOP them; the "resume" with the same fault number SIGCONTs the same groups
//   "resume"  (made by the loader from a pause's duration, never written in a scenario)
// The kinds a scenario may name are listed in scenarios/scenario_keys.cpp; a test checks both
// lists against action_kinds().
#pragma once
#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/actions/process_faults.h"
#include "loadgen/core/run_result.h"

namespace lg::actions {

// The process groups a target names at the moment a fault fires, or why there are none (the
// embedded stack's: stack::resolve_fault_target).
using TargetResolver =
    std::function<std::expected<std::vector<int>, std::string>(std::string_view target)>;

class Executor {
 public:
  // Without a resolver, process faults fail with "no stack runs here".
  explicit Executor(TargetResolver resolve = {});

  // Runs one action; an unknown kind is a failed action naming it (never an exception).
  // Called on the engine's action thread, one at a time.
  ActionOutcome run(const TimedAction& action);

  // What the run paused and did not resume yet; destroying the Executor resumes it.
  std::vector<int> paused() const { return faults_.paused(); }

  struct Kind;
  // The kinds' bodies (executor.cpp's table calls them). `remember`: keep the groups for the
  // fault's resume (a pause).
  ActionOutcome run_process_fault(const TimedAction& a,
                                  ActionOutcome (ProcessFaults::*act)(const std::vector<int>&),
                                  bool remember);
  ActionOutcome run_resume(const TimedAction& a);

 private:
  TargetResolver resolve_;
  ProcessFaults faults_;
  std::map<std::uint32_t, std::vector<int>> paused_by_fault_;
};

// The kinds Executor::run runs, in its order.
std::vector<std::string> action_kinds();

}  // namespace lg::actions
