// What each timed action kind does (RunPlan::actions; the engine only fires them on time).
// A library of its own, outside the engine and the app: the next kinds (kill or pause a
// replica, ...) land here, and only here, with their tests in tests/actions/, while the app
// just hands run_action to the engine (RunHooks::run_action). The kinds a scenario may name
// are listed in scenarios/scenario_keys.cpp (a test checks it against action_kinds()); the
// kinds and what each does are the table in executor.cpp ("noop": does nothing and succeeds,
// "done"; for tests of the machinery).
#pragma once
#include <string>
#include <vector>

#include "loadgen/core/run_result.h"

namespace lg::actions {

// Runs one action; an unknown kind is a failed action naming it (never an exception).
ActionOutcome run_action(const TimedAction& action);

// The kinds run_action runs, in its order.
std::vector<std::string> action_kinds();

}  // namespace lg::actions
