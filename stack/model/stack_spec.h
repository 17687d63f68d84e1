// What a scenario asks of the embedded stack (HAProxy -> nginx/PHP-FPM replicas -> MariaDB):
// pure values, read by scenarios/ and written to result.json by reports/; stack/ brings it
// up. The engine never sees it: a scenario without a target runs against the stack that
// loadgen brings up before the first step and down after the last.
#pragma once
#include <cstdint>

#include "stack/model/autoscaler_knobs.h"

namespace lg {

// HTTPS at HAProxy. Its HTTPS frontend always exists (Ports::https(), a certificate made at
// bring-up); `enabled` makes a scenario run go to it instead of plain HTTP.
struct StackTls {
  bool enabled = false;
  bool redirect = false;  // plain HTTP answers 308 to the HTTPS URL instead of serving
};

// Per client IP limits in HAProxy (one view of all replicas); over any, the request gets 429
// with Retry-After: 1. Off by default: every loadgen request comes from 127.0.0.1.
struct StackLimits {
  bool enabled = false;
  std::uint32_t rate = 10;         // accepted req/s: at most 10 x rate in any 10 s, 1..100000
  std::uint32_t burst = 20;        // and at most rate + burst in any 1 s, 0..100000
  std::uint32_t ceiling = 100;     // requests/s counting refused ones; above: all refused
  std::uint32_t connections = 10;  // concurrent connections, 1..100000
};

struct StackSpec {
  std::uint32_t min_replicas = 2;   // started at bring-up, >= 1
  std::uint32_t max_replicas = 10;  // HAProxy slots, >= min_replicas
  std::uint32_t fpm_children = 4;   // PHP-FPM workers per replica: bounds one replica's capacity
  bool autoscaler_enabled = false;  // off: the replica count stays at min_replicas
  AutoscalerKnobs autoscaler;       // read and recorded even when off
  StackTls tls;
  StackLimits limits;
};

}  // namespace lg
