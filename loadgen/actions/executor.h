// What each timed action kind does (RunPlan::actions; the engine only fires them on time).
// A library of its own, outside the engine and the app: the app builds one Executor per run
// and hands the engine its run() (RunHooks::run_action). The kinds, once each, are the table in
// executor.cpp:
//   "noop"    does nothing and succeeds ("done"); for tests of the machinery
//   "kill"    SIGKILL the process groups behind the target (a scenario's faults)
//   "pause"   SIGSTOP them; the "resume" with the same fault number SIGCONTs the same groups
//   "resume"  (made by the loader from a pause's duration, never written in a scenario)
//   "latency", "jitter", "bandwidth", "reset", "hang"
//             switch the fault proxy's toxics (TimedAction::params) on the route in front of
//             the target replica; the "clear" with the same fault number switches them off
//   "cpu"     start stress-ng on the host's cores (params "cores=N seconds=S"); "clear" stops it
//   "clear"   (made by the loader from a network or cpu fault's duration)
// The kinds a scenario may name are listed in scenarios/scenario_keys.cpp; a test checks both
// lists against action_kinds().
#pragma once
#include <expected>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/actions/cpu_burn.h"
#include "loadgen/actions/process_faults.h"
#include "loadgen/core/run_result.h"

namespace lg::actions {

// The process groups a target names at the moment a fault fires, or why there are none (the
// embedded stack's: stack::resolve_fault_target).
using TargetResolver =
    std::function<std::expected<std::vector<int>, std::string>(std::string_view target)>;

// The embedded stack's fault proxy: the route (listening port) in front of a target replica
// now, and its control line (one command, one answer; stack/fault_proxy.h).
struct FaultProxyHooks {
  std::function<std::expected<std::uint16_t, std::string>(std::string_view target)> route;
  std::function<std::expected<std::string, std::string>(std::string_view line)> control;
};

class Executor {
 public:
  // Without a resolver, process faults fail with "no stack runs here"; without proxy hooks,
  // network faults fail with "no fault proxy runs here".
  explicit Executor(TargetResolver resolve = {}, FaultProxyHooks proxy = {});

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
  ActionOutcome run_network(const TimedAction& a);
  ActionOutcome run_cpu(const TimedAction& a);
  ActionOutcome run_clear(const TimedAction& a);

 private:
  TargetResolver resolve_;
  FaultProxyHooks proxy_;
  ProcessFaults faults_;
  CpuBurn burns_;
  std::map<std::uint32_t, std::vector<int>> paused_by_fault_;
  std::map<std::uint32_t, std::uint16_t> route_by_fault_;  // the route a network fault switched
};

// Whether a kind needs the fault proxy in front of the replicas (a network fault).
bool is_network_kind(std::string_view kind);

// The kinds Executor::run runs, in its order.
std::vector<std::string> action_kinds();

}  // namespace lg::actions
