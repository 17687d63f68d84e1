// Run directories on disk: creating one, the two files that say who owns it and which process
// groups it started, and stopping those groups from another process (`loadgen stack down`, or
// the next start cleaning up after a killed run). Nothing here needs the ProcessRunner: a
// recorded process is not our child, so it is found through /proc and signalled by group.
#pragma once
#include <chrono>
#include <csignal>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "stack/layout.h"

namespace lg::stack {

inline constexpr const char* kDefaultRunRoot = "/tmp/loadgen-stack";
inline constexpr const char* kInfoFile = "stack.info";  // written by EmbeddedStack

// One line of the `pids` file: "<pid> <start_ticks> <stop_signal> <name>".
struct RecordedProcess {
  std::string name;
  int pid = -1;                   // also its process group id
  std::uint64_t start_ticks = 0;  // /proc/<pid>/stat field 22 at start; 0 = unknown
  int stop_signal = SIGTERM;      // nginx and php-fpm record SIGQUIT
};

// The `owner` file: "<pid> <start_ticks>", the process supervising the run.
struct RunOwner {
  int pid = -1;
  std::uint64_t start_ticks = 0;  // 0 = unknown
};

// Creates root/run-<pid>-<n> (mode 0755, so nginx and php-fpm workers running as another user
// can traverse it; smallest free n from 0) and writes its `owner` file for this process. The
// root is created if missing; an existing root must be a real directory (not a symlink) owned
// by this user, since it usually sits in /tmp.
std::expected<std::filesystem::path, std::string> create_run_dir(
    const std::filesystem::path& root = kDefaultRunRoot);

// The files, each replaced atomically (write to a temporary name, then rename).
//
// `suffix`: "" for the run's own supervisor (files `owner` and `pids`); a second supervisor in
// another process (the autoscaler's, which starts and stops replicas) passes e.g. ".autoscaler"
// and writes `owner.autoscaler` and `pids.autoscaler`, so the two never overwrite each other.
// A suffix is "" or '.' followed by 1-32 of [A-Za-z0-9_-] (not ".tmp-*"); else an error.
std::expected<void, std::string> write_owner(const std::filesystem::path& dir,
                                             std::string_view suffix = "");  // this process
std::expected<void, std::string> write_pids(const std::filesystem::path& dir,
                                            const std::vector<RecordedProcess>& processes,
                                            std::string_view suffix = "");
// Every process recorded in the run: the union of `pids` and every `pids.<suffix>` file.
// Order: the `pids.<suffix>` files first (by file name), then `pids`, each in its start order.
// stop_recorded stops in reverse, so the run's own processes go first (among them the helper
// process that owns a `pids.<suffix>` file: stopped gracefully, it stops its own children, and
// cannot restart them meanwhile) and then whatever is left of the helper's. Missing files are
// empty lists; a malformed line is an error (so that a directory whose processes we cannot read
// is never deleted).
std::expected<std::vector<RecordedProcess>, std::string> read_pids(
    const std::filesystem::path& dir);
std::expected<RunOwner, std::string> read_owner(const std::filesystem::path& dir);

// A `detached` marker: the stack was left running on purpose (`loadgen stack up`). Such a run
// is stale only once none of its recorded process groups is alive, whatever its owner did.
std::expected<void, std::string> mark_detached(const std::filesystem::path& dir);
bool is_detached(const std::filesystem::path& dir);

// The `stack.info` file: "key=value" lines. EmbeddedStack writes it once the run directory's
// layout exists (state=starting, before the first process starts) and again when the stack
// serves (state=up) or its replicas change.
struct StackInfo {
  std::string url;    // http://127.0.0.1:<haproxy port>
  std::string stats;  // the stats page
  Ports ports;        // from base_port
  std::uint32_t max_replicas = 0;
  std::vector<std::uint32_t> replicas;  // slots in use when written
  std::string state;                    // "starting" or "up"; empty in files of older versions
  bool autoscaler = false;              // the replicas belong to loadgen-autoscaler
};
std::expected<StackInfo, std::string> read_stack_info(const std::filesystem::path& dir);

// Whether `dir` is a stack run directory, the only kind `loadgen stack down` stops and removes:
// a real directory (not a symlink) owned by this user, named run-<pid>-<n>, holding a readable
// `owner` file, a `stack.info` (read_stack_info), the layout's log/, tmp/, haproxy/ and www/
// folders, and pids files that parse. The error says what is missing, naming the directory.
std::expected<void, std::string> check_stack_run(const std::filesystem::path& dir);

// Run directories under `root` (named run-<pid>-<n>) whose owner is not alive: its pid is
// gone, a zombie, or reused by a later process (start time differs). Without an `owner` file
// the pid in the directory's name is the owner. Anything else under root is never a run.
// Detached runs: see mark_detached. Sorted by path.
std::vector<std::filesystem::path> find_stale(const std::filesystem::path& root = kDefaultRunRoot);

struct StopOutcome {
  enum class How {
    kGone,      // nothing of its group was alive (or its pid now belongs to another process)
    kStopped,   // exited after its stop signal
    kKilled,    // needed SIGKILL
    kSurvived,  // still alive after SIGKILL (e.g. stuck in uninterruptible sleep)
  };
  RecordedProcess process;
  How how = How::kGone;
};

// "already gone", "stopped", "killed", "could not stop": for messages.
const char* how_text(StopOutcome::How how);

// Stops every group recorded in the run (read_pids: `pids` and every `pids.<suffix>`), in the
// reverse of read_pids' order, whether the owner is alive or not: its stop signal to the group,
// up to `grace` for the group to empty, then SIGKILL and up to 2 s more. Only an unreadable
// pids file is an error. Leaves the directory in place.
std::expected<std::vector<StopOutcome>, std::string> stop_recorded(
    const std::filesystem::path& dir,
    std::chrono::milliseconds grace = std::chrono::milliseconds{5000});

// The forced stop of a run whose owner died (the reaper, reaper.h): every recorded group at
// once rather than one after the other, so that the whole run is gone within grace + a few
// milliseconds. SIGTERM to each live group, up to `grace` for all of them to empty, then
// SIGKILL to what is left and up to 2 s more. The pids files are read again afterwards and
// groups recorded meanwhile get the same (at most 3 rounds). Groups never alive are kGone.
// Error: the pids files cannot be read at all.
std::expected<std::vector<StopOutcome>, std::string> kill_recorded(
    const std::filesystem::path& dir,
    std::chrono::milliseconds grace = std::chrono::milliseconds{1000});

// Whether anything of the recorded group is alive (leader or any member of its group; a
// leader whose pid now belongs to a process with another start time is not ours).
bool group_alive(const RecordedProcess& p);

struct CleanedRun {
  std::filesystem::path dir;
  std::vector<StopOutcome> processes;
  bool removed = false;  // false if something survived or the directory could not be removed
  std::string error;     // why not removed; empty when removed
};

// find_stale, then stop_recorded and remove each directory found.
std::vector<CleanedRun> clean_stale(const std::filesystem::path& root = kDefaultRunRoot,
                                    std::chrono::milliseconds grace = std::chrono::milliseconds{
                                        2000});

// One line for a message: "stale run /tmp/loadgen-stack/run-9-0: stopped mariadb (pid 12),
// killed nginx-1 (pid 40); removed".
std::string describe(const CleanedRun& run);

}  // namespace lg::stack
