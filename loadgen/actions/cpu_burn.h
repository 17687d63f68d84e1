// The cpu fault: stress-ng (Debian package stress-ng) burning N cores of this machine for a
// while, so that a run sees CPU-triggered scaling and degradation. Each burn is one stress-ng
// process group, started with its own --timeout as a backstop and SIGKILLed (the whole group,
// its workers included) when the fault ends, when the run ends, or when loadgen dies
// (PR_SET_PDEATHSIG). Thread-safe: the action thread starts and stops, the app destroys.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "loadgen/core/run_result.h"

namespace lg::actions {

class CpuBurn {
 public:
  CpuBurn() = default;
  ~CpuBurn();  // stops every burn still running
  CpuBurn(const CpuBurn&) = delete;
  CpuBurn& operator=(const CpuBurn&) = delete;

  // Starts `cores` stress-ng CPU workers for at most `seconds`, under `fault` (its number).
  ActionOutcome start(std::uint32_t fault, std::uint32_t cores, std::uint32_t seconds);
  // Stops the burn of `fault` (SIGKILL to its group, reaped).
  ActionOutcome stop(std::uint32_t fault);
  std::size_t running() const;

 private:
  mutable std::mutex mu_;
  std::map<std::uint32_t, int> groups_;  // fault -> stress-ng's pid (= its pgid)
};

// stress-ng's path: $LG_STRESS_NG, else found in $PATH; "" when there is none.
std::filesystem::path stress_ng_binary();

}  // namespace lg::actions
