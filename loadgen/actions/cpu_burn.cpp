#include "loadgen/actions/cpu_burn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace lg::actions {
namespace {

// Forks and execs argv in a process group of its own that dies with this process. Between fork
// and exec only async-signal-safe calls: the path is resolved and the strings built before.
int spawn_group(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) {
    // Both sides set the group, so that it exists before fork returns here: a stop right away
    // must reach it (EACCES once the child has exec'd and set it itself is harmless).
    if (pid > 0) ::setpgid(pid, pid);
    return pid;  // or -1
  }
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
  }
  ::execv(args[0], args.data());
  ::_exit(127);
}

void kill_and_reap(int pid) {
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::filesystem::path stress_ng_binary() {
  if (const char* env = std::getenv("LG_STRESS_NG"); env != nullptr && *env != '\0') return env;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    const auto candidate = std::filesystem::path(dir) / "stress-ng";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return {};
}

CpuBurn::~CpuBurn() {
  std::lock_guard lock(mu_);
  for (const auto& [fault, pid] : groups_) kill_and_reap(pid);
  groups_.clear();
}

ActionOutcome CpuBurn::start(std::uint32_t fault, std::uint32_t cores, std::uint32_t seconds) {
  const auto bin = stress_ng_binary();
  if (bin.empty() || ::access(bin.c_str(), X_OK) != 0) {
    return {false, "stress-ng is not installed" + (bin.empty() ? "" : " at " + bin.string()) +
                       " (apt-get install stress-ng), so no cpu fault"};
  }
  const std::vector<std::string> argv{
      bin.string(), "--cpu", std::to_string(cores), "--timeout", std::to_string(seconds) + "s",
      "--quiet"};
  const int pid = spawn_group(argv);
  if (pid < 0) return {false, std::string("fork: ") + std::strerror(errno)};
  std::lock_guard lock(mu_);
  if (const auto it = groups_.find(fault); it != groups_.end()) kill_and_reap(it->second);
  groups_[fault] = pid;
  return {true, "stress-ng burning " + std::to_string(cores) + (cores == 1 ? " core" : " cores") +
                    " (process group " + std::to_string(pid) + ")"};
}

ActionOutcome CpuBurn::stop(std::uint32_t fault) {
  std::lock_guard lock(mu_);
  const auto it = groups_.find(fault);
  if (it == groups_.end()) {
    return {false, "fault " + std::to_string(fault) + " started no cpu burn to stop"};
  }
  const int pid = it->second;
  // Exited already (its --timeout, or a crash)? Say so: the burn may have been shorter.
  int status = 0;
  const bool gone = ::waitpid(pid, &status, WNOHANG) == pid;
  if (!gone) kill_and_reap(pid);
  groups_.erase(it);
  return {true, gone ? "stress-ng (process group " + std::to_string(pid) + ") had already exited"
                     : "stopped stress-ng (process group " + std::to_string(pid) + ")"};
}

std::size_t CpuBurn::running() const {
  std::lock_guard lock(mu_);
  return groups_.size();
}

}  // namespace lg::actions
