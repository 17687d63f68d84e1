// The fault proxy in the embedded stack: loadgen-faultproxy (loadgen/faultproxy/) started as
// one of the stack's processes, with a route per replica slot (Ports::replica_proxy(i) ->
// Ports::replica(i)) so that HAProxy reaches every replica through it, and its control line on
// Ports::fault_control(). Network faults switch toxics on a route through that line.
#pragma once
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include "stack/layout.h"
#include "stack/process_spec.h"

namespace lg::stack {

// $LG_FAULTPROXY if set, else the binary built with this loadgen (companion_binary.h).
std::filesystem::path fault_proxy_binary();

// The proxy's process: routes for MariaDB (Ports::db_proxy -> mariadb) and for slots
// 1..max_replicas, its log in the run's log directory.
std::expected<ProcessSpec, std::string> fault_proxy_spec(const Layout& layout, const Ports& ports,
                                                         std::uint32_t max_replicas);

// Sends one control line ("set PORT TOXICS", "stats PORT") and returns the answer line, or why
// there is none (cannot connect, no answer within 2 s). An "error: ..." answer is returned as
// an error too.
std::expected<std::string, std::string> fault_control(std::uint16_t control_port,
                                                      std::string_view line);

}  // namespace lg::stack
