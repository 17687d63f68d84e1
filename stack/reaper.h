// The reaper: a small process (loadgen-reaper) that outlives loadgen and stops every process
// group recorded in a run directory if loadgen dies without stopping them itself (SIGKILL,
// a crash, exit without teardown). PR_SET_PDEATHSIG kills the masters loadgen started, but
// their workers (nginx, PHP-FPM) do not inherit it and keep serving under PID 1; the reaper
// kills them by process group.
//
// How it knows loadgen died: loadgen holds one end of a socket pair (close-on-exec, so no
// service and no other child inherits it), the reaper holds the other as its stdin. When
// loadgen's end closes without a word, however loadgen ended, the reaper reads EOF and runs
// kill_recorded (run_dir.h: SIGTERM to every group in the union of the run's pids files, SIGKILL
// after `grace`), then removes the run directory if nothing survived and it is a stack run
// (check_stack_run), and exits. On a normal teardown loadgen stops the stack itself and then
// dismisses the reaper (one byte on the socket): it exits without touching anything. A
// detached stack (`loadgen stack up`) has no reaper.
//
// The reaper runs in its own session (setsid), so a Ctrl-C or a signal to loadgen's process
// group does not reach it, and closes every inherited descriptor above 2 first thing. Its
// stderr is loadgen's, so a message about what it stopped lands where loadgen's would have.
#pragma once
#include <chrono>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

namespace lg::stack {

// Where loadgen-reaper is: $LG_REAPER, else the one built with this loadgen, else next to the
// running executable.
std::filesystem::path reaper_binary();

class Reaper {
 public:
  // Starts `binary --run-dir DIR --grace-ms N` and waits (up to 5 s) for it to report that it
  // watches. Errors: the binary is missing or cannot be started, or it exited or did not
  // report in time (the message says which, with its exit status).
  static std::expected<std::unique_ptr<Reaper>, std::string> start(
      const std::filesystem::path& run_dir, const std::filesystem::path& binary = reaper_binary(),
      std::chrono::milliseconds grace = std::chrono::milliseconds{1000});
  ~Reaper();  // dismiss()
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Tells the reaper to exit without touching anything, and reaps it (after 2 s: SIGKILL).
  // Call it after the stack is stopped, or to leave the stack running. Idempotent.
  void dismiss();
  int pid() const { return pid_; }

 private:
  Reaper(int pid, int control_fd) : pid_(pid), control_fd_(control_fd) {}
  int pid_ = -1;
  int control_fd_ = -1;  // our end of the socket pair; -1 once dismissed
};

// loadgen-reaper's own side. Waits on `control_fd`: a byte means dismissed (returns 0 at
// once); EOF or an error means loadgen is gone: kill_recorded(run_dir, grace), a line on `log`
// if anything was alive, the run directory removed as above. Returns 0, or 1 if a process
// survived SIGKILL or the records could not be read.
int run_reaper(int control_fd, const std::filesystem::path& run_dir,
               std::chrono::milliseconds grace, std::FILE* log);

}  // namespace lg::stack
