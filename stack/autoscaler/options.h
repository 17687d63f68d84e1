// The loadgen-autoscaler command line (stack/autoscaler/main.cpp), parsed apart from main so it
// is unit-tested.
//
//   loadgen-autoscaler --run-dir DIR --base-port P --min N --max N --fpm-children N
//     [--algorithm linear|exponential|predictive|target_tracking] [--check-interval 2s]
//     [--cooldown 10s] [--window 10s] [--stabilization 20s] [--horizon DURATION]
//     [--scale-up-cpu 70] [--scale-up-rps 100] [--scale-up-response-ms 1000]
//     [--scale-up-error-rate 0.05] [--scale-down-cpu 30] [--scale-down-rps 50]
//     [--scale-down-response-ms 200] [--factor 1.5] [--target-metric cpu|rps]
//     [--target-value 50] [--detached]
//
// "--flag value" and "--flag=value" both work (loadgen/cli/flags.h). Durations:
// lg::parse_duration ("2s", "500ms", "2m"). The knob flags, their defaults (the seeds' values)
// and this usage come from the knob table (stack/model/autoscaler_knobs.h).
#pragma once
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "stack/autoscaler/policy.h"

namespace lg::stack::autoscaler {

struct AutoscalerConfig {
  std::filesystem::path run_dir;  // the stack's run directory (must exist)
  std::uint16_t base_port = 0;    // the stack's port block (layout.h Ports)
  std::uint32_t fpm_children = 0;
  bool detached = false;     // replicas outlive this process if it is killed (no PDEATHSIG)
  bool fault_proxy = false;  // HAProxy reaches the replicas through the fault proxy's ports
  bool help = false;         // --help: print usage(), exit 0
  Knobs knobs;               // min/max and every policy knob; validate()d
};

// Parses the arguments after argv[0]. Errors (exit status 2 in main) name the flag, the value
// and what is accepted: "--min: \"0\" is out of range: expected an integer in [1, 53]"; a
// missing required flag; an unknown flag; and policy validate() failures, one per line, each
// followed by the flag that sets it.
std::expected<AutoscalerConfig, std::string> parse_args(const std::vector<std::string>& args);

std::string usage();

}  // namespace lg::stack::autoscaler
