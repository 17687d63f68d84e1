#include "stack/replica_count.h"

#include <vector>

namespace lg::stack {

ReplicaCount count_replicas(const HaproxyApi& api, ReplicaLoadTracker& load) {
  auto stats = api.show_stat(kBackend);
  if (!stats) return {};
  ReplicaCount n{0, 0};
  std::vector<ServerReading> readings;
  for (const auto& s : *stats) {
    // MAINT: an empty slot. DRAIN: on its way out by design, taking no new request; counting
    // it would show a scale-down as a replica in the balancer that is not UP.
    if (s.kind != StatRowKind::kServer || s.status == "MAINT" || s.status == "DRAIN") continue;
    ++n.in_balancer;
    const bool is_up = s.status.starts_with("UP");
    if (is_up) ++n.up;
    std::uint64_t responses = 0;
    for (auto r : s.hrsp) responses += r;
    readings.push_back(ServerReading{s.server, responses, is_up});
  }
  load.add(readings);
  return n;
}

}  // namespace lg::stack
