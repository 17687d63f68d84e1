// Starts the stack's processes one by one, each with a readiness probe and a deadline, and
// stops them in reverse start order on every path (explicit stop_all, or the destructor).
// Every started process is recorded in <run dir>/pids (see run_dir.h), rewritten on each
// change, and the supervising process in <run dir>/owner (both names + options.record_suffix),
// so that `loadgen stack down` or the next run's stale cleaner can stop them if this process
// cannot.
//
// Thread-safe: start/stop/processes may be called from several threads (e.g. the autoscaler
// adding replicas while the main thread handles SIGINT); the process list is locked only
// briefly, never while a probe runs or a process is being stopped.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "stack/layout.h"
#include "stack/process_spec.h"

namespace lg::stack {

struct ProcessStatus {
  std::string name;
  int pid = -1;
  bool running = false;
};

struct SupervisorOptions {
  std::chrono::milliseconds poll_interval{20};   // between readiness probes
  std::chrono::milliseconds kill_timeout{2000};  // wait after SIGKILL (only D state needs it)
  std::size_t log_tail_lines = 20;               // lines of the service's log in an error
  // Time, injectable so that tests of deadlines need no real waiting. Empty = steady_clock
  // and std::this_thread::sleep_for.
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep_for;
  // The waitpid status of an exited process, for "exited with status 1" in errors; empty or
  // nullopt = unknown. With BoostProcessRunner: [&r](int pid) { return r.exit_status(pid); }
  std::function<std::optional<int>(int pid)> exit_status;
  // Appended to the names of the files this supervisor records into: "" = `pids` and `owner`
  // (the run's own supervisor); ".autoscaler" = `pids.autoscaler` and `owner.autoscaler`, for a
  // second supervisor in another process. read_pids() returns the union (run_dir.h), so
  // `loadgen stack down` and the stale cleaner stop the second one's processes too.
  std::string record_suffix;
};

class Supervisor {
 public:
  Supervisor(ProcessRunner& runner, Layout layout, SupervisorOptions options = {});
  ~Supervisor();  // stop_all(); failures are printed to stderr (there is no one else to tell)
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Spawns `spec` and calls `ready` every poll_interval until it returns true, failing early
  // if the process exits and after `deadline` if it is never ready. An empty `ready` means
  // ready once spawned. On failure the process (and its group) is stopped and the error says
  // which service, what failed ("exited with status 1 before it was ready", "was not ready
  // within 5000 ms") and ends with the last log_tail_lines lines of spec.log. Services started
  // before stay up: the caller decides (stop_all, or the destructor). Names must be unique
  // among the running processes.
  std::expected<ProcessHandle, std::string> start(const ProcessSpec& spec,
                                                  const std::function<bool()>& ready,
                                                  std::chrono::milliseconds deadline);

  // spec.stop_signal to the process group, up to spec.stop_timeout for the leader to exit,
  // else SIGKILL to the group and up to kill_timeout more. Once the leader has exited, what is
  // left of its group is SIGKILLed (an nginx worker outlives its master otherwise). Errors: no
  // such running process, or it survived SIGKILL (it then stays listed and recorded).
  std::expected<void, std::string> stop(std::string_view name);

  // Stops every process, last started first, continuing past failures; the error lists them.
  std::expected<void, std::string> stop_all();

  // In start order; `running` is asked of the runner now (which reaps exited processes).
  std::vector<ProcessStatus> processes();

  // Leaves everything running (for `loadgen stack up`): marks the run directory detached and
  // forgets the processes, so neither stop_all nor the destructor touches them. The pids file
  // stays for `loadgen stack down` (run_dir.h stop_recorded).
  std::expected<void, std::string> detach();

  const Layout& layout() const { return layout_; }

 private:
  struct Entry {
    ProcessSpec spec;
    int pid = -1;
    std::uint64_t start_ticks = 0;
    bool stopping = false;  // a stop is in progress on some thread
  };

  std::expected<void, std::string> record_locked();  // rewrites the pids file; under mu_
  std::expected<void, std::string> stop_process(const ProcessSpec& spec, int pid);
  std::string failure(const ProcessSpec& spec, int pid, const std::string& what) const;

  ProcessRunner& runner_;
  Layout layout_;
  SupervisorOptions options_;
  std::mutex mu_;
  std::vector<Entry> entries_;      // start order
  std::set<std::string> starting_;  // names between the duplicate check and their entry
  bool owner_written_ = false;
};

// The last `lines` lines of a text file (at most its last 64 KiB), each ending in '\n';
// "(no log at <path>)" if it cannot be read, "(empty log <path>)" if empty.
std::string log_tail(const std::filesystem::path& path, std::size_t lines = 20);

// A waitpid status in words: "exited with status 1", "was killed by signal 9 (SIGKILL)".
std::string describe_wait_status(int status);

}  // namespace lg::stack
