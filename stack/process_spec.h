// How the stack describes a process it starts, and the one interface through which it starts
// them (Boost.Process behind it in production, a fake in unit tests).
#pragma once
#include <chrono>
#include <csignal>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace lg::stack {

struct ProcessSpec {
  std::string name;               // unique within a run: "mariadb", "fpm-1", "nginx-1", "haproxy"
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::filesystem::path log;      // stdout and stderr are appended here
  std::filesystem::path cwd;      // working directory (the run directory)
  int stop_signal = SIGTERM;      // graceful stop (nginx and php-fpm: SIGQUIT)
  std::chrono::milliseconds stop_timeout{5000};  // then SIGKILL to the whole process group
  bool die_with_parent = true;  // PR_SET_PDEATHSIG: false only for `loadgen stack up`
};

// A started process. Every process runs in its own process group (pgid == pid), so a stop
// reaches its children too (an nginx worker survives its killed master otherwise).
struct ProcessHandle {
  std::string name;
  int pid = -1;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Starts the process in a new process group; returns its pid, or why it could not start.
  virtual std::expected<int, std::string> spawn(const ProcessSpec& spec) = 0;
  // True while the process has not exited; reaps it (waitpid) once it has.
  virtual bool running(int pid) = 0;
  // Sends `sig` to the process group `pid` (a no-op if it is gone).
  virtual void signal_group(int pid, int sig) = 0;
  // Waits up to `timeout` for the process to exit and reaps it; true if it exited.
  virtual bool wait_exit(int pid, std::chrono::milliseconds timeout) = 0;
};

}  // namespace lg::stack
