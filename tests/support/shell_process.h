// Shell scripts standing in for the stack's services in process tests, and how to recognise a
// process again: what BoostProcessRunner, the Supervisor, the reaper and `stack down` are
// tested with when no real daemon is needed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "stack/proc_stat.h"
#include "stack/process_spec.h"

namespace lg::test {

// `/bin/sh -c SCRIPT` named `name`, run in `dir`, its output in dir/log/NAME.log.
// die_with_parent as in ProcessSpec (false: it outlives the test process, as `stack up` does).
inline lg::stack::ProcessSpec shell_spec(const std::filesystem::path& dir, const std::string& name,
                                         const std::string& script, bool die_with_parent = true) {
  lg::stack::ProcessSpec s;
  s.name = name;
  s.argv = {"/bin/sh", "-c", script};
  s.log = dir / "log" / (name + ".log");
  s.cwd = dir;
  s.die_with_parent = die_with_parent;
  return s;
}

// The process's start time (clock ticks since boot), 0 if it is gone: with the pid, it names
// one process, never a later one that reused the pid.
inline std::uint64_t start_ticks_of(int pid) {
  const auto stat = lg::stack::read_proc_stat(pid);
  return stat ? stat->start_ticks : 0;
}

}  // namespace lg::test
