// Which process groups a fault target (stack/model/fault_target.h) names at the moment a fault
// fires: read from the run's recorded processes (run_dir.h read_pids: the stack's own and the
// autoscaler's replicas), alive groups only. A target with nothing alive behind it is an error
// that names what is running, which the fault records as its outcome (never a crash).
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "stack/model/fault_target.h"
#include "stack/run_dir.h"

namespace lg::stack {

// `alive`: whether a recorded group is running (group_alive in production; tests pass their own).
std::expected<std::vector<int>, std::string> resolve_fault_target(
    const FaultTarget& target, const std::vector<RecordedProcess>& recorded,
    bool (*alive)(const RecordedProcess&) = &group_alive);

// read_pids(run_dir), then the above.
std::expected<std::vector<int>, std::string> resolve_fault_target(
    const FaultTarget& target, const std::filesystem::path& run_dir);

}  // namespace lg::stack
