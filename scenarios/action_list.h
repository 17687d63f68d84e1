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

// Reads "/faults": each {"at", "kind" ("kill" | "pause"), "target" (stack/model/fault_target.h),
// "duration" (a pause's, required)} becomes a timed action numbered by its place (1 + index),
// and a pause a second one, "resume", at at + duration (before the plan's end). Faults act on
// the embedded stack: with `embedded_stack` false (a "target" URL) they are an error. After
// the steps, like read_actions.
void read_faults(Reader& r, const json& v, bool embedded_stack, RunPlan& plan);

}  // namespace lg::scenarios::detail
