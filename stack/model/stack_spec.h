// What a scenario asks of the embedded stack (HAProxy -> nginx/PHP-FPM replicas -> MariaDB):
// pure values, read by scenarios/ and written to result.json by reports/; stack/ brings it
// up. The engine never sees it: a scenario without a target runs against the stack that
// loadgen brings up before the first step and down after the last.
#pragma once
#include <cstdint>

#include "stack/model/autoscaler_knobs.h"

namespace lg {

struct StackSpec {
  std::uint32_t min_replicas = 2;   // started at bring-up, >= 1
  std::uint32_t max_replicas = 10;  // HAProxy slots, >= min_replicas
  std::uint32_t fpm_children = 4;   // PHP-FPM workers per replica: bounds one replica's capacity
  bool autoscaler_enabled = false;  // off: the replica count stays at min_replicas
  AutoscalerKnobs autoscaler;       // read and recorded even when off
};

}  // namespace lg
