// Stack run directories without the real daemons, for the reaper, `stack down` and `stack
// status` tests: a run made by create_run_dir with the stack layout and a stack.info, and
// "services" that are shell scripts behaving like nginx (a master that forks a worker of its
// own process group, so that a dead master leaves a live group behind).
#pragma once
#include <signal.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "stack/listeners.h"
#include "stack/proc_stat.h"
#include "stack/run_dir.h"
#include "tests/support/files.h"
#include "tests/support/shell_process.h"

namespace lg::test {

// A stack run under `root`, owned by this process: the layout's folders and a stack.info with
// ports from `base_port`, 2 replica slots. Empty path if it could not be made.
inline std::filesystem::path make_fake_run(const std::filesystem::path& root,
                                           std::uint16_t base_port = 20000) {
  auto dir = lg::stack::create_run_dir(root);
  if (!dir) return {};
  for (const char* sub : {"log", "tmp", "haproxy", "www"}) {
    std::filesystem::create_directories(*dir / sub);
  }
  const std::string port = std::to_string(base_port);
  write_file(
      *dir / lg::stack::kInfoFile,
      "url=http://127.0.0.1:" + port + "\nstats=http://127.0.0.1:" + std::to_string(base_port + 1) +
          "/stats\nbase_port=" + port + "\nmax_replicas=2\nstate=up\nautoscaler=0\nreplicas=1\n");
  return *dir;
}

// A /bin/sh master that starts a worker in its own process group, writes the worker's pid to
// <cwd>/<name>.worker and then sleeps: `sh -c SCRIPT`.
inline std::string master_with_worker(const std::string& name) {
  return "sleep 300 & echo $! > " + name + ".worker.tmp && mv " + name + ".worker.tmp " + name +
         ".worker; exec sleep 300";
}

// Whether any member of these groups is alive (zombies excluded).
inline bool any_group_alive(const std::set<int>& groups) {
  for (const int g : groups) {
    if (!lg::stack::live_group_members(g).empty()) return true;
  }
  return false;
}

// SIGKILLs process groups at scope exit (a test that failed half-way leaves nothing behind).
// Only groups whose leader is gone or is still the very process seen (same start time) are
// signalled: never a later process that reused a pid.
class GroupsGuard {
 public:
  void add(int pgid) { groups_.push_back({pgid, start_ticks_of(pgid)}); }
  ~GroupsGuard() {
    for (const auto& [pgid, ticks] : groups_) {
      const auto now = start_ticks_of(pgid);
      if (pgid > 1 && (now == 0 || now == ticks)) ::kill(-pgid, SIGKILL);
    }
  }

 private:
  std::vector<std::pair<int, std::uint64_t>> groups_;
};

// The processes whose command line holds both `needle` and `dir` (e.g. the reaper of a run).
inline std::vector<int> processes_naming(const std::string& needle,
                                         const std::filesystem::path& dir) {
  std::vector<int> found;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (!lg::stack::is_alive(pid)) continue;
    std::string cmdline = read_file(it->path() / "cmdline");
    for (auto& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(needle) != std::string::npos &&
        cmdline.find(dir.string()) != std::string::npos) {
      found.push_back(pid);
    }
  }
  return found;
}

// The ports of a run (stack.info), every one of them.
inline std::set<std::uint16_t> ports_of(const lg::stack::StackInfo& info) {
  std::set<std::uint16_t> ports;
  for (const auto& p : lg::stack::run_ports(info.ports, info.max_replicas)) ports.insert(p.port);
  return ports;
}

}  // namespace lg::test
