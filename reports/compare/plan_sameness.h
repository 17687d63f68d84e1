// When two runs count as runs of "the same" plan: one definition for compare and history, merge
// and validate, which differ only in what they allow to differ. Pure.
//
// A plan is compared as result.json's "scenario" holds it (scenario_json), so every field that
// is ever written takes part, including ones added later. Each field belongs to one group:
//
//   step timing  the step count and each step's duration_s, start_rate and end_rate: when the
//                arrivals came due, which is what the stored data was measured against
//   schedule     the rest of what is sent when: name, mode, arrival, each step's users and
//                warm-up flag (and any step field added later), and the request mix (every
//                field of every request, and their count)
//   shard        shard (index and count): which part of the schedule one generator sent
//   resources    threads, connections, preconnect: what a generator sent it with
//   settings     everything else: target, timeout, seed, late and lag thresholds, SLOs, the
//                stack, step labels, and any top-level key added later
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loadgen/core/run_plan.h"
#include "reports/result/run_record.h"

namespace lg::reports {

enum class Sameness {
  // compare, history: the same schedule, shard and step timing, so that step k of one run
  // measures what step k of the other does. Settings and resources may differ: they are what a
  // release comparison changes. Rates are equal within a part in 10^9 (runs may come from
  // versions that multiplied users by rate_per_user differently).
  kComparable,
  // merge: shards of one scenario. Schedule, step timing and settings identical, exactly: the
  // merged result claims one seed, one timeout, one set of SLOs. Shard and resources may differ.
  kShardsOfOneRun,
  // validate --scenario: the same step timing, exactly, as the stored steps. Everything else
  // may differ: the scenario only lends its SLOs and warm-up flags to the stored data.
  kSameStepTiming,
};

// One field that differs (or an array whose entry counts do).
struct PlanDifference {
  std::string pointer;  // into result.json's "scenario": "/steps/1/duration_s", "/steps"
  nlohmann::json base;  // the values there (null: absent); for a count, the entry counts
  nlohmann::json other;
  bool count = false;  // an array of other length ("/steps": 4 vs 5); its common entries
                       // are compared too, and listed after it
};

// The differences that matter for `sameness`, in the order of the scenario's keys (objects by
// key name, arrays by index). Empty: the runs are the same in that sense.
std::vector<PlanDifference> differing_fields(const RunPlan& base, const RunPlan& other,
                                             Sameness sameness);
// The same with the stack and the SLOs of each run (settings: they must match for merge).
std::vector<PlanDifference> differing_fields(const RunRecord& base, const RunRecord& other,
                                             Sameness sameness);

}  // namespace lg::reports
