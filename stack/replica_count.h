// The replica count as the load balancer sees it, read once a second during a run: ground
// truth for the replica SLOs (what HAProxy routes to, not what the autoscaler says).
#pragma once
#include <cstdint>

#include "stack/haproxy_api.h"
#include "stack/model/replica_load.h"
#include "stack/replica_set.h"

namespace lg::stack {

struct ReplicaCount {
  std::int32_t in_balancer = -1;  // slots neither in maintenance nor draining; -1 unknown
  std::int32_t up = -1;           // of those, the ones UP
};

// One reading of the backend's servers; each server's response counter also goes to `load`
// for the balance check. Unknown (-1, -1) when the stats socket does not answer.
ReplicaCount count_replicas(const HaproxyApi& api, ReplicaLoadTracker& load);

}  // namespace lg::stack
