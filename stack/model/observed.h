// What a run saw of the embedded stack besides the per-second replica readings: the
// autoscaler's scale events and each replica's share of the traffic. Pure values: stack/
// gathers them, validators/ judge them, reports/ store them. Empty for a URL target.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lg {

// A scale event of the system under test (from the autoscaler's event log).
struct StackEvent {
  double t_s = 0;     // seconds since the run's start (may be negative: during bring-up); from
                      // the wall clock, so two events' difference can be off by a few ms
  double own_s = -1;  // the autoscaler's monotonic clock, s since its start (-1 unknown): the
                      // clock its cooldown runs on, so gaps between events are exact
  std::string time;   // wall clock, ISO 8601 UTC, as logged
  std::string type;   // scale_up | scale_down | recovery
  std::int32_t from = 0;
  std::int32_t to = 0;
  std::string reason;
  std::vector<std::pair<std::string, double>> inputs;  // what decided it
};

// One replica's share of the traffic while it was UP, from HAProxy's per-server request
// counters sampled each second. fair_share is what it would have served under an even split:
// each second's total over the replicas UP in that second, summed over its seconds UP. A
// balanced backend has requests / fair_share near 1 for every replica.
struct ReplicaLoad {
  std::string server;          // HAProxy server name, e.g. "r3"
  std::uint64_t requests = 0;  // requests it served during seconds it was UP
  double fair_share = 0;       // requests it would have served under an even split
  std::int64_t seconds_up = 0;
};

struct StackRecord {
  std::vector<StackEvent> events;
  std::vector<ReplicaLoad> replica_load;
};

}  // namespace lg
