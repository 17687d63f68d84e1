// result.json's "scenario" object back into the RunPlan that ran (the inverse of plan_json in
// result_json.cpp). Internal to result_reader.
#pragma once
#include "loadgen/core/run_plan.h"
#include "reports/json_walker.h"

namespace lg::reports {

// Shape errors go to `w`; the plan then holds fallbacks where they were.
RunPlan read_plan(JsonWalker& w, const JsonNode& scenario);

}  // namespace lg::reports
