// `loadgen merge`: the results of the N shards of one scenario (`--shard I/N`: shard I ran the
// arrivals k with k % N == I-1) joined into the result of the whole scenario. Pure.
//
// Exact (equal to what one process running the whole schedule would have recorded, given the
// same responses): every counter, per step and in total, is the sum over the shards; every
// histogram (latency, service time and schedule lag, per step and in total; the generator's
// lag) is the exact merge of the shards' histograms, so every percentile derived from them
// is within the histogram's precision, as for a single run.
//
// Not exact, and why:
// - timeline[]: each shard's seconds are shifted onto the earliest shard's clock by
//   round((started_unix_ms - earliest) / 1000) and per-second counters summed. Per-second
//   p50/p95/p99 cannot be merged (no per-second histograms are stored): the merge keeps the
//   maximum over the shards, an upper bound on the true percentile (a percentile of a union
//   never exceeds the largest of the parts' percentiles). Generator CPU % and open connections
//   are summed, lag, RSS and replicas are maxima (replicas: the shards watch one stack).
// - duration is the longest shard's; started_at the earliest shard's.
// - per-step target_rate is the scenario's rate (each shard records the whole scenario's
//   rate, so it is not summed); achieved_rate is computed as for a single run, from the summed
//   requests sent over the part of the step that ran until the longest shard's end: the sum
//   of the shards' rates when they all ran the whole step.
// - generator: threads and CPU seconds summed, peak RSS the maximum, saturated if any shard
//   was, clean_shutdown if every shard's was; interrupted if any shard was.
// - stack events: the first shard's (by index) that has any, duplicates removed, on the merged
//   clock; replica_load: summed per server (seconds_up: the maximum).
// The merged plan is the shards' scenario with shard 1/1; its threads and connections are the
// sums over the shards (0, automatic, if any shard's was).
#pragma once
#include <expected>
#include <string>
#include <vector>

#include "loadgen/core/run_result.h"
#include "reports/result/result_reader.h"

namespace lg::reports {

// `names` label the shards in errors (usually their paths), one per shard. Refuses, naming the
// files and what differs, anything that is not one complete set of shards of one scenario
// (see merge_check.h).
std::expected<RunRecord, std::string> merge_shards(const std::vector<StoredResult>& shards,
                                                   const std::vector<std::string>& names);

}  // namespace lg::reports
