// result.json's "scenario" object back into the RunPlan that ran, the stack and the SLOs (the
// inverse of plan_json in result_json.cpp). Internal to result_reader.
#pragma once
#include "reports/result/json_walker.h"
#include "reports/result/run_record.h"

namespace lg::reports {

// Into rec.result.plan, rec.stack and rec.slos. Shape errors go to `w`; the record then holds
// fallbacks where they were.
void read_scenario(JsonWalker& w, const JsonNode& scenario, RunRecord& rec);

}  // namespace lg::reports
