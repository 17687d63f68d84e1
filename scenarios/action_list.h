// The scenario's "actions" key (internal to the scenarios library): timed actions, each
// {"at": "2s", "kind": "noop", "target": "..."}, read into RunPlan::actions. The accepted kinds
// are the enumeration of "/actions/*/kind" in scenario_keys.cpp; what a kind does is
// loadgen/actions/'s business.
#pragma once
#include "loadgen/core/run_plan.h"
#include "scenarios/reader.h"

namespace lg::scenarios::detail {

// Reads `v` (the value of "/actions") into plan.actions, in the file's order. Call after the
// steps were read: each `at` must fall before the plan's end (ramps included), an error naming
// the key, its value and the plan's length.
void read_actions(Reader& r, const json& v, RunPlan& plan);

}  // namespace lg::scenarios::detail
