// What /proc/<pid>/stat says about a process: enough to tell a live process from a zombie
// (`kill -0` reports zombies as alive) and a recorded process from a later one that reused
// its pid (pid_max is 32768 on the machines we measured, so reuse is not far-fetched).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace lg::stack {

struct ProcStat {
  char state = '?';  // R, S, D, T, t, Z (zombie), X (dead), I, ...
  int ppid = 0;
  int pgrp = 0;                   // process group id
  std::uint64_t utime_ticks = 0;  // field 14: CPU time in user mode, clock ticks (sysconf
  std::uint64_t stime_ticks = 0;  // field 15: ... and in kernel mode   _SC_CLK_TCK per second)
  std::uint64_t start_ticks = 0;  // field 22: start time in clock ticks since boot, never 0
};

// Parses /proc/<pid>/stat; nullopt if the process does not exist (or pid <= 0).
std::optional<ProcStat> read_proc_stat(int pid);

// True if the process exists and is neither a zombie nor dead.
bool is_alive(int pid);

// The processes of group `pgid` that are neither zombies nor dead, found by scanning /proc.
// Empty for pgid <= 1 (never the "every process" group).
std::vector<int> live_group_members(int pgid);

}  // namespace lg::stack
