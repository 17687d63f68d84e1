// Are two runs comparable? Only runs of the same schedule are (Sameness::kComparable in
// reports/compare/plan_sameness.h): same scenario name, loop mode, arrival process, shard, request mix
// and steps (count, and each step's duration, users, rate and warm-up flag). Target, threads,
// seed, SLOs and the stack may differ: those are what a release comparison is allowed to
// change. This file says the differences in words. Pure.
#pragma once
#include <string>
#include <vector>

#include "loadgen/core/run_plan.h"

namespace lg::reports {

// Every difference, one line each, base's value first: "step 3: duration 60s vs 30s",
// "steps: 4 vs 3", "request 1: path '/a' vs '/b'". Empty when the schedules are the same.
// Steps present in both are compared even when the counts differ, so every difference is listed.
std::vector<std::string> schedule_differences(const RunPlan& base, const RunPlan& candidate);

}  // namespace lg::reports
