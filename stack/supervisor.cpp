#include "stack/supervisor.h"

#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <thread>

#include "stack/proc_stat.h"
#include "stack/run_dir.h"

namespace lg::stack {
namespace {

constexpr std::streamoff kTailBytes = 64 * 1024;  // enough for 20 lines of any sane log

}  // namespace

std::string log_tail(const std::filesystem::path& path, std::size_t lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "(no log at " + path.string() + ")\n";
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kTailBytes);
  in.seekg(from);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (from > 0) {  // we started inside a line: drop that partial line
    const auto nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? text.size() : nl + 1);
  }
  if (text.empty()) return "(empty log " + path.string() + ")\n";
  if (text.back() != '\n') text += '\n';
  if (lines == 0) return {};
  // Walk back from the final '\n' over `lines` line ends.
  std::size_t start = 0;
  std::size_t end = text.size() - 1;
  for (std::size_t count = 0; count < lines; ++count) {
    const auto nl = end == 0 ? std::string::npos : text.rfind('\n', end - 1);
    if (nl == std::string::npos) {  // fewer lines than asked for: all of them
      start = 0;
      break;
    }
    start = nl + 1;
    end = nl;
  }
  return text.substr(start);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) +
           (abbrev != nullptr ? " (SIG" + std::string(abbrev) + ")" : std::string());
  }
  return "ended with wait status " + std::to_string(status);
}

Supervisor::Supervisor(ProcessRunner& runner, Layout layout, SupervisorOptions options)
    : runner_(runner), layout_(std::move(layout)), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return std::chrono::steady_clock::now(); };
  if (!options_.sleep_for) {
    options_.sleep_for = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

Supervisor::~Supervisor() {
  try {
    if (auto stopped = stop_all(); !stopped) std::cerr << "loadgen: " << stopped.error() << '\n';
  } catch (...) {  // a destructor must not throw; nothing sensible is left to do
  }
}

std::expected<ProcessHandle, std::string> Supervisor::start(const ProcessSpec& spec,
                                                            const std::function<bool()>& ready,
                                                            std::chrono::milliseconds deadline) {
  {
    std::lock_guard lock(mu_);
    for (const auto& e : entries_) {
      if (e.spec.name == spec.name) {
        return std::unexpected("cannot start " + spec.name + ": already running (pid " +
                               std::to_string(e.pid) + ")");
      }
    }
    if (!starting_.insert(spec.name).second) {
      return std::unexpected("cannot start " + spec.name + ": already being started");
    }
    if (!owner_written_) {
      if (auto owned = write_owner(layout_.dir, options_.record_suffix); !owned) {
        starting_.erase(spec.name);
        return std::unexpected("cannot start " + spec.name + ": " + owned.error());
      }
      owner_written_ = true;
    }
  }

  const auto spawned = runner_.spawn(spec);
  if (!spawned) {
    std::lock_guard lock(mu_);
    starting_.erase(spec.name);
    return std::unexpected(spawned.error() + "\nlast lines of " + spec.log.string() + ":\n" +
                           log_tail(spec.log, options_.log_tail_lines));
  }
  const int pid = *spawned;
  std::expected<void, std::string> recorded;
  {
    std::lock_guard lock(mu_);
    const auto stat = read_proc_stat(pid);
    entries_.push_back(Entry{spec, pid, stat ? stat->start_ticks : 0, false});
    starting_.erase(spec.name);  // from here on the entry holds the name
    recorded = record_locked();
    if (!recorded) entries_.back().stopping = true;  // stopped below; nobody else may
  }
  if (!recorded) {  // unrecorded, nobody could stop it after a crash: do not keep it
    (void)stop_process(spec, pid);
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [pid](const Entry& e) { return e.pid == pid; });
    return std::unexpected("cannot start " + spec.name + ": " + recorded.error());
  }

  std::string what;
  const auto until = options_.now() + deadline;
  while (true) {
    if (!runner_.running(pid)) {
      const auto status = options_.exit_status ? options_.exit_status(pid) : std::nullopt;
      what =
          (status ? describe_wait_status(*status) : std::string("exited")) + " before it was ready";
      break;
    }
    try {
      if (!ready || ready()) return ProcessHandle{spec.name, pid};
    } catch (const std::exception& e) {
      what = std::string("failed its readiness probe: ") + e.what();
      break;
    }
    const auto now = options_.now();
    if (now >= until) {
      what = "was not ready within " + std::to_string(deadline.count()) + " ms";
      break;
    }
    options_.sleep_for(std::min(options_.poll_interval,
                                std::chrono::ceil<std::chrono::milliseconds>(until - now)));
  }
  std::string message = failure(spec, pid, what);  // the log as it was when we gave up
  if (auto stopped = stop(spec.name); !stopped) message += "also: " + stopped.error() + "\n";
  return std::unexpected(message);
}

std::expected<void, std::string> Supervisor::stop(std::string_view name) {
  ProcessSpec spec;
  int pid = -1;
  {
    std::lock_guard lock(mu_);
    const auto it = std::ranges::find_if(
        entries_, [name](const Entry& e) { return e.spec.name == name && !e.stopping; });
    if (it == entries_.end()) {
      return std::unexpected("cannot stop " + std::string(name) + ": no such running process");
    }
    it->stopping = true;
    spec = it->spec;
    pid = it->pid;
  }
  auto stopped = stop_process(spec, pid);
  std::lock_guard lock(mu_);
  const auto it = std::ranges::find_if(entries_, [pid](const Entry& e) { return e.pid == pid; });
  if (it != entries_.end()) {
    if (stopped) {
      entries_.erase(it);
    } else {
      it->stopping = false;  // still there: a later stop_all tries again
    }
  }
  auto recorded = record_locked();
  if (!stopped) return stopped;
  if (!recorded) return std::unexpected("stopped " + spec.name + ", but " + recorded.error());
  return {};
}

std::expected<void, std::string> Supervisor::stop_all() {
  std::string errors;
  std::set<int> tried;
  // Repeat until a pass finds nothing new: a process started on another thread meanwhile is
  // stopped too.
  while (true) {
    std::vector<std::pair<std::string, int>> todo;
    {
      std::lock_guard lock(mu_);
      for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (!it->stopping && !tried.contains(it->pid)) todo.emplace_back(it->spec.name, it->pid);
      }
    }
    if (todo.empty()) break;
    for (const auto& [name, pid] : todo) {
      tried.insert(pid);
      if (auto stopped = stop(name); !stopped) {
        errors += (errors.empty() ? "" : "; ") + stopped.error();
      }
    }
  }
  if (!errors.empty()) return std::unexpected(errors);
  return {};
}

std::vector<ProcessStatus> Supervisor::processes() {
  std::vector<ProcessStatus> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : entries_) out.push_back({e.spec.name, e.pid, false});
  }
  for (auto& p : out) p.running = runner_.running(p.pid);
  return out;
}

std::expected<void, std::string> Supervisor::detach() {
  std::lock_guard lock(mu_);
  if (auto marked = mark_detached(layout_.dir); !marked) return marked;
  entries_.clear();
  return {};
}

std::expected<void, std::string> Supervisor::record_locked() {
  std::vector<RecordedProcess> recorded;
  for (const auto& e : entries_) {
    recorded.push_back({e.spec.name, e.pid, e.start_ticks, e.spec.stop_signal});
  }
  return write_pids(layout_.dir, recorded, options_.record_suffix);
}

std::expected<void, std::string> Supervisor::stop_process(const ProcessSpec& spec, int pid) {
  if (runner_.running(pid)) {
    runner_.signal_group(pid, spec.stop_signal);
    // A group paused by a fault (SIGSTOP) would hold the stop signal until the timeout.
    runner_.signal_group(pid, SIGCONT);
    if (!runner_.wait_exit(pid, spec.stop_timeout)) {
      runner_.signal_group(pid, SIGKILL);
      if (!runner_.wait_exit(pid, options_.kill_timeout)) {
        return std::unexpected(spec.name + " (pid " + std::to_string(pid) +
                               ") did not exit within " +
                               std::to_string(options_.kill_timeout.count()) + " ms of SIGKILL");
      }
      return {};
    }
  }
  // The leader is gone; whatever is left of its group has lost its master.
  runner_.signal_group(pid, SIGKILL);
  return {};
}

std::string Supervisor::failure(const ProcessSpec& spec, int pid, const std::string& what) const {
  return spec.name + " (pid " + std::to_string(pid) + ") " + what + "\nlast " +
         std::to_string(options_.log_tail_lines) + " lines of " + spec.log.string() + ":\n" +
         log_tail(spec.log, options_.log_tail_lines);
}

}  // namespace lg::stack
