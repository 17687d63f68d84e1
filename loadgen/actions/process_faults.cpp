#include "loadgen/actions/process_faults.h"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lg::actions {

ProcessFaults::~ProcessFaults() {
  std::lock_guard lock(mu_);
  for (const int g : paused_) ::kill(-g, SIGCONT);
}

ActionOutcome ProcessFaults::signal_all(const std::vector<int>& pgids, int sig, const char* verb) {
  if (pgids.empty()) return {false, "no process group given"};
  std::string names;
  for (const int g : pgids) {
    if (g <= 1) return {false, "process group " + std::to_string(g) + ": refused (not a group)"};
    if (::kill(-g, sig) != 0) {
      return {false, "process group " + std::to_string(g) + ": " + std::strerror(errno)};
    }
    names += (names.empty() ? "" : ", ") + std::to_string(g);
    std::lock_guard lock(mu_);
    if (sig == SIGSTOP) paused_.insert(g);
    if (sig == SIGCONT || sig == SIGKILL) paused_.erase(g);
  }
  return {true,
          std::string(verb) + (pgids.size() == 1 ? " process group " : " process groups ") + names};
}

ActionOutcome ProcessFaults::kill(const std::vector<int>& pgids) {
  return signal_all(pgids, SIGKILL, "killed");
}

ActionOutcome ProcessFaults::pause(const std::vector<int>& pgids) {
  return signal_all(pgids, SIGSTOP, "paused");
}

ActionOutcome ProcessFaults::resume(const std::vector<int>& pgids) {
  return signal_all(pgids, SIGCONT, "resumed");
}

std::vector<int> ProcessFaults::paused() const {
  std::lock_guard lock(mu_);
  return {paused_.begin(), paused_.end()};
}

}  // namespace lg::actions
