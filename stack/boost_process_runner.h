// The production ProcessRunner, on Boost.Process v1 (Debian's Boost 1.74). Boost stays inside
// boost_process_runner.cpp: including it costs about 5 s of compile time per translation unit.
//
// Each child gets, between fork and exec (async-signal-safe calls only):
//  - its own process group (setpgid(0, 0)), so a stop reaches the workers it forks;
//  - PR_SET_PDEATHSIG(SIGKILL) when spec.die_with_parent;
//  - stdin from /dev/null, stdout and stderr appended to spec.log (parent folders created);
//  - cwd = spec.cwd (unchanged if empty);
//  - an empty signal mask and default dispositions (loadgen ignores SIGPIPE and may block
//    SIGINT/SIGTERM; exec would otherwise pass both on);
//  - no other file descriptor (everything above 2 is marked close-on-exec).
//
// PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process. So
// spawn() never forks on the caller's thread: it hands the work to one spawner thread owned by
// the runner, which lives as long as the runner. spawn() may therefore be called from any
// thread (e.g. the autoscaler's, which may end), and die_with_parent children are SIGKILLed
// when the process dies or when this runner is destroyed, whichever comes first: keep the
// runner alive for as long as its children should run (normally: all of main).
//
// Boost.Process v1's child object kills a still-running child in its destructor and reaps it
// through its own waitpid calls. We only want the fork/exec machinery, so each bp::child is
// detached at once and dropped; this class then owns the pid: it reaps with waitpid and keeps
// the wait status. Thread-safe.
#pragma once
#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "stack/process_spec.h"

namespace lg::stack {

class BoostProcessRunner final : public ProcessRunner {
 public:
  BoostProcessRunner();
  ~BoostProcessRunner() override;  // ends the spawner thread (see above)
  BoostProcessRunner(const BoostProcessRunner&) = delete;
  BoostProcessRunner& operator=(const BoostProcessRunner&) = delete;

  // Errors: empty argv, argv[0] not an absolute path to an executable file, cwd missing, log
  // not writable, fork/exec failure. The message names spec.name and argv[0].
  std::expected<int, std::string> spawn(const ProcessSpec& spec) override;
  // For a child of this runner: waitpid(WNOHANG), so an exited child is reaped here and a
  // zombie never counts as running. For any other pid: alive in /proc and not a zombie.
  bool running(int pid) override;
  // kill(-pid, sig). A no-op for pid <= 1, for our own process group, and for a reaped child
  // of ours whose pid now belongs to another process (then its group is gone anyway).
  void signal_group(int pid, int sig) override;
  // Waits on a pidfd (no polling) for our children; polls /proc every 10 ms for other pids.
  bool wait_exit(int pid, std::chrono::milliseconds timeout) override;

  // The waitpid status of a child this runner has reaped; nullopt while it runs, for a pid it
  // did not start, or if someone else reaped it. Decode with WIFEXITED etc.
  std::optional<int> exit_status(int pid) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lg::stack
