// What a scenario asks of the embedded stack (HAProxy -> nginx/PHP-FPM replicas -> MariaDB):
// pure values, read by scenarios/ and written to result.json by reports/; stack/ brings it
// up. The engine never sees it: a scenario without a target runs against the stack that
// loadgen brings up before the first step and down after the last.
#pragma once
#include <cstdint>
#include <string>

namespace lg {

// The autoscaler's knobs (stack/autoscaler/policy.h holds their meaning). Defaults are the
// seeds': production-like intervals; tests and short scenarios use 1-2 s.
struct AutoscalerPlan {
  bool enabled = false;
  std::string algorithm = "linear";  // linear | exponential | predictive | target_tracking
  std::int64_t check_interval_ns = 30'000'000'000;
  std::int64_t cooldown_ns = 120'000'000'000;
  std::int64_t window_ns = 60'000'000'000;          // inputs averaged over this window
  std::int64_t stabilization_ns = 300'000'000'000;  // down condition must hold this long
  double scale_up_cpu = 70, scale_up_rps = 100, scale_up_response_ms = 1000;
  double scale_up_error_rate = 0.05;
  double scale_down_cpu = 30, scale_down_rps = 50, scale_down_response_ms = 200;
  double factor = 1.5;                // exponential: x factor per step up, 1.5..2
  std::string target_metric = "cpu";  // target_tracking: cpu | rps
  double target_value = 50;           // target_tracking: % CPU or requests/s per replica
};

struct StackSpec {
  std::uint32_t min_replicas = 2;   // started at bring-up, >= 1
  std::uint32_t max_replicas = 10;  // HAProxy slots, >= min_replicas
  std::uint32_t fpm_children = 4;   // PHP-FPM workers per replica: bounds one replica's capacity
  AutoscalerPlan autoscaler;        // off: the replica count stays at min_replicas
};

}  // namespace lg
