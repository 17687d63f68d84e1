// Faults done to processes: kill (SIGKILL), pause (SIGSTOP) and resume (SIGCONT), each on
// process groups (in the embedded stack a replica's nginx and its PHP-FPM pool, MariaDB and the
// autoscaler each lead a group of their own, so a group is "that part, with its workers").
//
// Whatever it paused it resumes when told, or when it is destroyed: the app holds one for the
// length of a run, so no stopped process outlives the run however it ends (a normal end, a
// failure, SIGINT). Thread-safe: the action thread acts, the app destroys.
#pragma once
#include <mutex>
#include <set>
#include <vector>

#include "loadgen/core/run_result.h"

namespace lg::actions {

class ProcessFaults {
 public:
  ProcessFaults() = default;
  ~ProcessFaults();  // resumes every group still paused
  ProcessFaults(const ProcessFaults&) = delete;
  ProcessFaults& operator=(const ProcessFaults&) = delete;

  // Each: ok when every group got the signal; the text names the groups ("killed process
  // groups 1201, 1207") or the first that could not be signalled and why ("process group 1201:
  // no such process"). A group <= 1 is refused (it would mean "every process").
  ActionOutcome kill(const std::vector<int>& pgids);
  ActionOutcome pause(const std::vector<int>& pgids);
  ActionOutcome resume(const std::vector<int>& pgids);

  // The groups paused and not yet resumed, ascending.
  std::vector<int> paused() const;

 private:
  ActionOutcome signal_all(const std::vector<int>& pgids, int sig, const char* verb);

  mutable std::mutex mu_;
  std::set<int> paused_;
};

}  // namespace lg::actions
