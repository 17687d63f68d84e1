// Which process groups a fault target (stack/model/fault_target.h) names at the moment a fault
// fires: read from the run's recorded processes (run_dir.h read_pids: the stack's own and the
// autoscaler's replicas), alive groups only. A target with nothing alive behind it is an error
// that names what is running, which the fault records as its outcome (never a crash).
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "stack/layout.h"
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

// The slot a replica target names now (replica:any: the lowest running); an error for the
// other targets and for a replica that is not running.
std::expected<std::uint32_t, std::string> resolve_fault_slot(
    const FaultTarget& target, const std::vector<RecordedProcess>& recorded,
    bool (*alive)(const RecordedProcess&) = &group_alive);

// The fault proxy's port in front of that slot (Ports::replica_proxy), or of MariaDB for db
// (Ports::db_proxy): where a network fault on the target switches its toxics.
std::expected<std::uint16_t, std::string> resolve_fault_route(const FaultTarget& target,
                                                              const std::filesystem::path& run_dir,
                                                              const Ports& ports);

}  // namespace lg::stack
