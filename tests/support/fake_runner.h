// A scripted ProcessRunner for unit tests of the stack: no process is started. It records every
// call as a line in `events` ("spawn mariadb", "signal nginx-1 SIGQUIT", "wait nginx-1 5000",
// "running haproxy") and lets a test say how each service behaves. Pids start at 5,000,000,
// above Linux's PID_MAX_LIMIT (4,194,304), so they can never name a real process.
#pragma once
#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stack/process_spec.h"

namespace lg::test {

class FakeRunner final : public lg::stack::ProcessRunner {
 public:
  // How services behave, by name.
  std::set<std::string> fail_spawn;    // spawn returns an error
  std::set<std::string> exit_at_once;  // exits right after spawning (status 1)
  std::set<std::string> ignore_stop;   // survives its stop signal; SIGKILL still works
  std::set<std::string> unkillable;    // survives even SIGKILL (uninterruptible sleep)
  bool record_running = false;         // add "running <name>" lines to events

  std::vector<std::string> events;

  std::expected<int, std::string> spawn(const lg::stack::ProcessSpec& spec) override {
    events.push_back("spawn " + spec.name);
    if (fail_spawn.contains(spec.name)) {
      return std::unexpected("cannot start " + spec.name + ": scripted failure");
    }
    const int pid = next_pid_++;
    procs_[pid] = Proc{spec.name, !exit_at_once.contains(spec.name)};
    return pid;
  }

  bool running(int pid) override {
    auto& p = procs_.at(pid);
    if (record_running) events.push_back("running " + p.name);
    return p.alive;
  }

  void signal_group(int pid, int sig) override {
    auto& p = procs_.at(pid);
    events.push_back("signal " + p.name + " " + signal_name(sig));
    if (!p.alive || unkillable.contains(p.name) || sig == SIGCONT) return;  // SIGCONT stops none
    if (sig == SIGKILL || !ignore_stop.contains(p.name)) p.alive = false;
  }

  bool wait_exit(int pid, std::chrono::milliseconds timeout) override {
    auto& p = procs_.at(pid);
    events.push_back("wait " + p.name + " " + std::to_string(timeout.count()));
    return !p.alive;
  }

  // A waitpid status for an exited process, as BoostProcessRunner::exit_status gives it:
  // exit_at_once services "exited with status 1", stopped ones were killed by their signal.
  std::optional<int> exit_status(int pid) const {
    const auto& p = procs_.at(pid);
    if (p.alive) return std::nullopt;
    return exit_at_once.contains(p.name) ? 1 << 8 : SIGKILL;
  }

  // Test helpers.
  bool alive(const std::string& name) const {
    for (const auto& [pid, p] : procs_) {
      if (p.name == name && p.alive) return true;
    }
    return false;
  }
  // The names in the order their first signal was sent.
  std::vector<std::string> signalled() const {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& e : events) {
      if (!e.starts_with("signal ")) continue;
      const std::string name = e.substr(7, e.find(' ', 7) - 7);
      if (seen.insert(name).second) names.push_back(name);
    }
    return names;
  }
  // The events about one service, in order.
  std::vector<std::string> events_of(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      const auto space = e.find(' ');
      if (e.compare(space + 1, name.size(), name) == 0 &&
          (e.size() == space + 1 + name.size() || e[space + 1 + name.size()] == ' ')) {
        out.push_back(e);
      }
    }
    return out;
  }
  static std::string signal_name(int sig) {
    switch (sig) {
      case SIGTERM:
        return "SIGTERM";
      case SIGQUIT:
        return "SIGQUIT";
      case SIGKILL:
        return "SIGKILL";
      case SIGINT:
        return "SIGINT";
      case SIGCONT:
        return "SIGCONT";
      default:
        return std::to_string(sig);
    }
  }

 private:
  struct Proc {
    std::string name;
    bool alive = true;
  };
  int next_pid_ = 5'000'000;
  std::map<int, Proc> procs_;
};

}  // namespace lg::test
