// What a fault acts on, as a scenario names it (issue 13's targets), parsed once at load:
//   replica:N          replica N's nginx and its PHP-FPM pool (N >= 1, a slot of the stack)
//   replica:N/nginx    only its nginx;   replica:N/fpm   only its PHP-FPM pool
//   replica:any        the lowest-numbered replica alive when the fault fires (/nginx, /fpm too)
//   db                 MariaDB
//   autoscaler         the autoscaler process (its replicas keep running)
// Pure: which processes those are at run time is the stack's (stack/fault_targets.h).
#pragma once
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace lg {

struct FaultTarget {
  enum class What : std::uint8_t { kReplica, kDatabase, kAutoscaler };
  enum class Part : std::uint8_t { kBoth, kNginx, kFpm };  // of a replica
  What what = What::kReplica;
  std::uint32_t slot = 0;  // replica slot; 0 = any
  Part part = Part::kBoth;
};

// The error says what is accepted: "replica:N, replica:N/nginx, replica:N/fpm, replica:any,
// db, autoscaler".
std::expected<FaultTarget, std::string> parse_fault_target(std::string_view text);

inline constexpr const char* kFaultTargetsAccepted =
    "replica:N (N >= 1), replica:N/nginx, replica:N/fpm, replica:any (also /nginx, /fpm), db, "
    "autoscaler";

}  // namespace lg
