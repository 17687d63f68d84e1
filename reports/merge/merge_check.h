// Whether stored results can be merged: one complete, non-overlapping set of shards of one
// scenario (`loadgen SCENARIO --shard I/N` for every I in 1..N). Used by merge_shards() before
// it adds anything up; every refusal names the files and what differs. Pure.
#pragma once
#include <cstddef>
#include <expected>
#include <string>
#include <vector>

#include "loadgen/core/run_plan.h"
#include "reports/result/result_reader.h"

namespace lg::reports {

// The differences between two plans that keep them from being shards of one run
// (Sameness::kShardsOfOneRun in reports/compare/plan_sameness.h: only the shard, threads, connections
// and preconnect may differ, which say with what each generator ran, not what it sent when),
// one line each: "/scenario/steps/1/duration_s: 2.0 vs 3.0". An array of another length is one
// line ("/scenario/steps: 2 entries vs 3"). At most `limit` lines, then "...". Empty when the
// plans describe the same scenario.
std::vector<std::string> plan_differences(const RunPlan& a, const RunPlan& b,
                                          std::size_t limit = 8);

// Checks that `shards` (named by `names`, same size) form one complete set and returns their
// positions in `shards` ordered by shard index (0, 1, .., N-1). A single whole run (shard 1/1)
// is a complete set of one.
std::expected<std::vector<std::size_t>, std::string> check_shard_set(
    const std::vector<StoredResult>& shards, const std::vector<std::string>& names);

}  // namespace lg::reports
