// What a worker thread hands to the coordinator: once per second (its interval data) and once
// at the end (its per-step totals). The only data that crosses threads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/core/counters.h"
#include "loadgen/core/histogram.h"

namespace lg {

// Everything one worker saw for one step (attributed by each arrival's intended send time).
struct StepAccum {
  Counters counters;
  Histogram latency;    // us, completion - intended send (the SLO number)
  Histogram service;    // us, completion - actual send
  Histogram lag;        // us, dispatch - intended send: the generator's own schedule lag
  Histogram connect;    // us, TCP connect: open() to established (by the step it ended in)
  Histogram handshake;  // us, TLS handshake: established to ready for the first request

  void merge(const StepAccum& o) {
    counters.add(o.counters);
    counters.unrecorded += latency.merge(o.latency) + service.merge(o.service) + lag.merge(o.lag) +
                           connect.merge(o.connect) + handshake.merge(o.handshake);
  }
};

struct IntervalSnapshot {
  std::uint32_t worker = 0;
  std::int64_t second = 0;  // interval index: [second, second + 1) s since the run's start,
                            // by completion (or failure) time
  Counters counters;
  Histogram latency;                  // us, completions in this interval
  std::int64_t cpu_ns = 0;            // this worker thread's CPU time during the interval
  std::int64_t max_lag_ns = 0;        // largest dispatch lag in the interval
  std::int32_t open_connections = 0;  // at the end of the interval (a gauge: signed, never wraps)
  std::int64_t rss_kb = 0;            // process resident set, set by the coordinator on receipt
  std::int32_t replicas = -1;  // replicas in the load balancer (not in maintenance); -1 unknown
  std::int32_t healthy = -1;   // of those, the ones passing health checks; -1 unknown
  bool final = false;          // the worker's last snapshot: `steps` holds its step totals
  std::vector<StepAccum> steps;
  std::string tls_failure;  // final only: the worker's first TLS handshake failure, "" none
};

}  // namespace lg
