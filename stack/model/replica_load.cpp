#include "stack/model/replica_load.h"

namespace lg {

void ReplicaLoadTracker::add(const std::vector<ServerReading>& readings) {
  std::vector<std::pair<const ServerReading*, std::uint64_t>> serving;  // (server, responses)
  std::uint64_t total = 0;
  for (const auto& r : readings) {
    auto it = last_.find(r.server);
    if (r.up && it != last_.end() && it->second.up) {
      // A counter that went backwards (the balancer reloaded) counts nothing for this second.
      const std::uint64_t d =
          r.responses >= it->second.responses ? r.responses - it->second.responses : 0;
      serving.emplace_back(&r, d);
      total += d;
    }
    last_[r.server] = {r.responses, r.up};
  }
  if (serving.empty()) return;
  const double even = static_cast<double>(total) / static_cast<double>(serving.size());
  for (const auto& [r, d] : serving) {
    auto& l = load_[r->server];
    l.server = r->server;
    l.requests += d;
    l.fair_share += even;
    ++l.seconds_up;
  }
}

std::vector<ReplicaLoad> ReplicaLoadTracker::result() const {
  std::vector<ReplicaLoad> out;
  out.reserve(load_.size());
  for (const auto& [name, l] : load_) out.push_back(l);
  return out;
}

}  // namespace lg
