// Each replica's share of the traffic while it was UP, from per-second readings of the load
// balancer's per-server response counters. Pure; the harness feeds it one reading a second.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "stack/model/observed.h"

namespace lg {

// One server's counter at the end of a second.
struct ServerReading {
  std::string server;
  std::uint64_t responses = 0;  // cumulative, as the load balancer counts them
  bool up = false;              // UP and taking traffic (not DOWN, MAINT or DRAIN)
};

class ReplicaLoadTracker {
 public:
  // A second's reading of every server. The second's traffic is what the servers UP in both
  // this and the previous reading served in between; each of them is owed an even split of it.
  void add(const std::vector<ServerReading>& readings);
  // One entry per server that was ever UP in two consecutive readings, by name.
  std::vector<ReplicaLoad> result() const;

 private:
  struct Last {
    std::uint64_t responses = 0;
    bool up = false;
  };
  std::map<std::string, Last> last_;
  std::map<std::string, ReplicaLoad> load_;
};

}  // namespace lg
