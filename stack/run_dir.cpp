#include "stack/run_dir.h"
#include "stack/posix_fd.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <thread>

#include "stack/proc_stat.h"

namespace lg::stack {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kOwnerFile = "owner";
constexpr const char* kPidsFile = "pids";
constexpr const char* kDetachedFile = "detached";
constexpr auto kPollInterval = 10ms;   // how often a stopping group is looked up in /proc
constexpr auto kKillTimeout = 2000ms;  // SIGKILL is not refusable; this only covers D state

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && !text.empty();
}

std::expected<void, std::string> write_atomically(const fs::path& path,
                                                  const std::string& content) {
  // A hidden name that never starts with the file's own ("pids.tmp-1" would read as a
  // `pids.<suffix>` file).
  const fs::path tmp =
      path.parent_path() / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return std::unexpected("cannot create " + tmp.string() + ": " + errno_text(errno));
    out << content;
    out.flush();
    if (!out) return std::unexpected("cannot write " + tmp.string() + ": " + errno_text(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return std::unexpected("cannot rename " + tmp.string() + " to " + path.string());
  }
  return {};
}

std::expected<std::string, std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + path.string() + ": " + errno_text(errno));
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "" or "." followed by 1-32 of [A-Za-z0-9_-], but not ".tmp-...": older versions named their
// temporary files "pids.tmp-<pid>", which a crash could leave behind.
bool valid_suffix(std::string_view suffix) {
  if (suffix.empty()) return true;
  if (suffix.size() < 2 || suffix.size() > 33 || suffix[0] != '.') return false;
  if (suffix.starts_with(".tmp-")) return false;
  return std::ranges::all_of(suffix.substr(1), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::expected<void, std::string> check_suffix(std::string_view suffix) {
  if (valid_suffix(suffix)) return {};
  return std::unexpected("bad record suffix \"" + std::string(suffix) +
                         "\": must be empty or '.' followed by 1-32 of [A-Za-z0-9_-], not .tmp-*");
}

std::expected<std::vector<RecordedProcess>, std::string> read_pids_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::vector<RecordedProcess>{};
  auto text = read_whole(path);
  if (!text) return std::unexpected(text.error());
  std::vector<RecordedProcess> out;
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string pid, ticks, sig, name;
    RecordedProcess p;
    fields >> pid >> ticks >> sig >> name;
    if (!parse_number(pid, p.pid) || !parse_number(ticks, p.start_ticks) ||
        !parse_number(sig, p.stop_signal) || name.empty() || p.pid <= 1) {
      return std::unexpected(path.string() + ":" + std::to_string(number) +
                             ": expected \"<pid> <start_ticks> <signal> <name>\", got \"" + line +
                             "\"");
    }
    p.name = name;
    out.push_back(std::move(p));
  }
  return out;
}

// "run-<pid>-<n>" -> pid, or -1 for any other name.
int pid_from_name(const std::string& name) {
  if (!name.starts_with("run-")) return -1;
  const std::string_view rest = std::string_view(name).substr(4);
  const auto dash = rest.find('-');
  int pid = -1;
  unsigned n = 0;
  if (dash == std::string_view::npos || !parse_number(rest.substr(0, dash), pid) ||
      !parse_number(rest.substr(dash + 1), n) || pid <= 0) {
    return -1;
  }
  return pid;
}

bool owner_alive(const RunOwner& owner) {
  const auto stat = read_proc_stat(owner.pid);
  if (!stat || stat->state == 'Z' || stat->state == 'X') return false;
  return owner.start_ticks == 0 || stat->start_ticks == owner.start_ticks;
}

bool wait_group_empty(int pgid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!live_group_members(pgid).empty()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

StopOutcome stop_group(const RecordedProcess& p, std::chrono::milliseconds grace) {
  if (!group_alive(p)) return {p, StopOutcome::How::kGone};
  ::kill(-p.pid, p.stop_signal);
  if (wait_group_empty(p.pid, grace)) return {p, StopOutcome::How::kStopped};
  ::kill(-p.pid, SIGKILL);
  if (wait_group_empty(p.pid, kKillTimeout)) return {p, StopOutcome::How::kKilled};
  return {p, StopOutcome::How::kSurvived};
}

// A real directory (lstat: not a symlink) or why not.
std::expected<void, std::string> check_real_dir(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return std::unexpected(path.string() + ": " + errno_text(errno));
  if (S_ISLNK(st.st_mode)) return std::unexpected(path.string() + " is a symlink");
  if (!S_ISDIR(st.st_mode)) return std::unexpected(path.string() + " is not a directory");
  return {};
}

// The groups of `todo` still alive, as indices.
std::vector<std::size_t> still_alive(const std::vector<StopOutcome>& todo) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    if (todo[i].how != StopOutcome::How::kGone && !live_group_members(todo[i].process.pid).empty())
      out.push_back(i);
  }
  return out;
}

bool wait_all_empty(const std::vector<StopOutcome>& todo, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!still_alive(todo).empty()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

}  // namespace

const char* how_text(StopOutcome::How how) {
  switch (how) {
    case StopOutcome::How::kGone:
      return "already gone";
    case StopOutcome::How::kStopped:
      return "stopped";
    case StopOutcome::How::kKilled:
      return "killed";
    case StopOutcome::How::kSurvived:
      return "could not stop";
  }
  return "?";
}

// A pid cannot be handed out again while a process group of that id has members, so: if
// /proc/<pid> is a different process (start time differs) our group is gone; if /proc/<pid> is
// missing, any member of group <pid> is ours.
bool group_alive(const RecordedProcess& p) {
  if (p.pid <= 1 || p.pid == ::getpgrp()) return false;  // never "everyone" or ourselves
  if (const auto stat = read_proc_stat(p.pid)) {
    const bool ours = p.start_ticks != 0 ? stat->start_ticks == p.start_ticks : stat->pgrp == p.pid;
    if (!ours) return false;
  }
  return !live_group_members(p.pid).empty();
}

std::expected<fs::path, std::string> create_run_dir(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return std::unexpected("cannot create " + root.string() + ": " + ec.message());
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0)
    return std::unexpected("cannot stat " + root.string() + ": " + errno_text(errno));
  if (!S_ISDIR(st.st_mode))
    return std::unexpected(root.string() + " is not a directory (a symlink?); remove it");
  if (st.st_uid != ::geteuid())
    return std::unexpected(root.string() + " belongs to uid " + std::to_string(st.st_uid) +
                           ", not to us; use another root or remove it");
  const std::string prefix = "run-" + std::to_string(::getpid()) + "-";
  for (int n = 0; n < 10000; ++n) {
    const fs::path dir = root / (prefix + std::to_string(n));
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;
      return std::unexpected("cannot create " + dir.string() + ": " + errno_text(errno));
    }
    ::chmod(dir.c_str(), 0755);  // the umask may have taken bits away
    if (auto owned = write_owner(dir); !owned) {
      fs::remove_all(dir, ec);
      return std::unexpected(owned.error());
    }
    return dir;
  }
  return std::unexpected("no free run directory name under " + root.string());
}

std::expected<void, std::string> write_owner(const fs::path& dir, std::string_view suffix) {
  if (auto ok = check_suffix(suffix); !ok) return ok;
  const int pid = ::getpid();
  const auto stat = read_proc_stat(pid);
  return write_atomically(
      dir / (kOwnerFile + std::string(suffix)),
      std::to_string(pid) + " " + std::to_string(stat ? stat->start_ticks : 0) + "\n");
}

std::expected<void, std::string> write_pids(const fs::path& dir,
                                            const std::vector<RecordedProcess>& processes,
                                            std::string_view suffix) {
  if (auto ok = check_suffix(suffix); !ok) return ok;
  std::string text;
  for (const auto& p : processes) {
    text += std::to_string(p.pid) + " " + std::to_string(p.start_ticks) + " " +
            std::to_string(p.stop_signal) + " " + p.name + "\n";
  }
  return write_atomically(dir / (kPidsFile + std::string(suffix)), text);
}

std::expected<std::vector<RecordedProcess>, std::string> read_pids(const fs::path& dir) {
  // The helpers' files first (see run_dir.h for why), by name so the order is stable.
  std::vector<fs::path> files;
  std::error_code ec;
  const std::string prefix = std::string(kPidsFile) + ".";
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(prefix) && valid_suffix(std::string_view(name).substr(4))) {
      files.push_back(it->path());
    }
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return std::unexpected("cannot list " + dir.string() + ": " + ec.message());
  }
  std::ranges::sort(files);
  files.push_back(dir / kPidsFile);
  std::vector<RecordedProcess> out;
  for (const auto& file : files) {
    auto part = read_pids_file(file);
    if (!part) return std::unexpected(part.error());
    out.insert(out.end(), std::make_move_iterator(part->begin()),
               std::make_move_iterator(part->end()));
  }
  return out;
}

std::expected<RunOwner, std::string> read_owner(const fs::path& dir) {
  auto text = read_whole(dir / kOwnerFile);
  if (!text) return std::unexpected(text.error());
  std::istringstream fields(*text);
  std::string pid, ticks;
  fields >> pid >> ticks;
  RunOwner owner;
  if (!parse_number(pid, owner.pid) || !parse_number(ticks, owner.start_ticks))
    return std::unexpected((dir / kOwnerFile).string() + ": expected \"<pid> <start_ticks>\"");
  return owner;
}

std::expected<void, std::string> mark_detached(const fs::path& dir) {
  return write_atomically(dir / kDetachedFile, "left running by loadgen stack up\n");
}

bool is_detached(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / kDetachedFile, ec);
}

std::vector<fs::path> find_stale(const fs::path& root) {
  std::vector<fs::path> stale;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path dir = it->path();
    const std::string name = dir.filename().string();
    if (!name.starts_with("run-") || !it->is_directory(ec) || it->is_symlink(ec)) continue;
    const int named_pid = pid_from_name(name);
    if (named_pid < 0) continue;  // not a name create_run_dir gives: never ours to remove
    RunOwner owner;
    if (auto read = read_owner(dir)) {
      owner = *read;
    } else {
      owner.pid = named_pid;  // owner file not written yet, or lost
    }
    if (owner_alive(owner)) continue;
    if (is_detached(dir)) {
      const auto recorded = read_pids(dir);
      if (!recorded) continue;  // cannot tell; leave it to `loadgen stack down`
      if (std::ranges::any_of(*recorded, group_alive)) continue;
    }
    stale.push_back(dir);
  }
  std::ranges::sort(stale);
  return stale;
}

std::expected<std::vector<StopOutcome>, std::string> stop_recorded(
    const fs::path& dir, std::chrono::milliseconds grace) {
  auto recorded = read_pids(dir);
  if (!recorded) return std::unexpected(recorded.error());
  std::vector<StopOutcome> outcomes;
  for (auto it = recorded->rbegin(); it != recorded->rend(); ++it) {
    outcomes.push_back(stop_group(*it, grace));
  }
  return outcomes;
}

std::expected<std::vector<StopOutcome>, std::string> kill_recorded(
    const fs::path& dir, std::chrono::milliseconds grace) {
  std::vector<StopOutcome> outcomes;
  std::vector<std::pair<int, std::uint64_t>> seen;  // (pid, start_ticks) already handled
  for (int round = 0; round < 3; ++round) {
    auto recorded = read_pids(dir);
    if (!recorded) {
      if (round == 0) return std::unexpected(recorded.error());
      break;  // what was read before has been handled
    }
    std::vector<StopOutcome> todo;
    for (const auto& p : *recorded) {
      const std::pair key{p.pid, p.start_ticks};
      if (std::ranges::find(seen, key) != seen.end()) continue;
      seen.push_back(key);
      StopOutcome o{p, StopOutcome::How::kGone};
      if (group_alive(p)) {
        ::kill(-p.pid, SIGTERM);
        o.how = StopOutcome::How::kStopped;
      }
      todo.push_back(std::move(o));
    }
    if (todo.empty()) break;
    if (!wait_all_empty(todo, grace)) {
      for (const auto i : still_alive(todo)) {
        ::kill(-todo[i].process.pid, SIGKILL);
        todo[i].how = StopOutcome::How::kKilled;
      }
      wait_all_empty(todo, kKillTimeout);
      for (const auto i : still_alive(todo)) todo[i].how = StopOutcome::How::kSurvived;
    }
    outcomes.insert(outcomes.end(), std::make_move_iterator(todo.begin()),
                    std::make_move_iterator(todo.end()));
  }
  return outcomes;
}

std::expected<StackInfo, std::string> read_stack_info(const fs::path& dir) {
  const fs::path path = dir / kInfoFile;
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) {
    return std::unexpected("no " + std::string(kInfoFile) + " in " + dir.string());
  }
  auto text = read_whole(path);
  if (!text) return std::unexpected(text.error());
  StackInfo info;
  bool has_base = false;
  bool has_max = false;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "url") info.url = value;
    if (key == "stats") info.stats = value;
    if (key == "state") info.state = value;
    if (key == "autoscaler") info.autoscaler = value == "1";
    if (key == "base_port") has_base = parse_number(value, info.ports.base);
    if (key == "max_replicas") has_max = parse_number(value, info.max_replicas);
    if (key == "replicas") {
      std::istringstream items(value);
      for (std::string item; std::getline(items, item, ',');) {
        std::uint32_t slot = 0;
        if (parse_number(item, slot)) info.replicas.push_back(slot);
      }
    }
  }
  if (info.url.empty() || !has_base || !has_max || info.ports.base == 0 ||
      info.max_replicas + 10U + info.ports.base > 65535U) {
    return std::unexpected(path.string() +
                           ": expected url=, base_port= and max_replicas= lines of a stack run");
  }
  return info;
}

std::expected<void, std::string> check_stack_run(const fs::path& dir) {
  const std::string not_run = dir.string() + " is not a stack run directory: ";
  if (auto real = check_real_dir(dir); !real) return std::unexpected(not_run + real.error());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) == 0 && st.st_uid != ::geteuid()) {
    return std::unexpected(not_run + "it belongs to uid " + std::to_string(st.st_uid));
  }
  if (pid_from_name(dir.filename().string()) < 0) {
    return std::unexpected(not_run + "its name is not run-<pid>-<n>");
  }
  if (auto owner = read_owner(dir); !owner) return std::unexpected(not_run + owner.error());
  if (auto info = read_stack_info(dir); !info) return std::unexpected(not_run + info.error());
  const Layout layout{dir};
  for (const auto& sub : {layout.logs(), dir / "tmp", layout.haproxy_dir(), layout.www()}) {
    if (auto real = check_real_dir(sub); !real) return std::unexpected(not_run + real.error());
  }
  if (auto pids = read_pids(dir); !pids) return std::unexpected(not_run + pids.error());
  return {};
}

std::vector<CleanedRun> clean_stale(const fs::path& root, std::chrono::milliseconds grace) {
  std::vector<CleanedRun> cleaned;
  for (const auto& dir : find_stale(root)) {
    CleanedRun run;
    run.dir = dir;
    auto stopped = stop_recorded(dir, grace);
    if (!stopped) {
      run.error = stopped.error();
    } else {
      run.processes = std::move(*stopped);
      for (const auto& o : run.processes) {
        if (o.how == StopOutcome::How::kSurvived) {
          run.error += (run.error.empty() ? "still alive: " : ", ") + o.process.name + " (pid " +
                       std::to_string(o.process.pid) + ")";
        }
      }
    }
    if (run.error.empty()) {
      std::error_code ec;
      fs::remove_all(dir, ec);
      if (ec) run.error = "cannot remove " + dir.string() + ": " + ec.message();
      run.removed = !ec;
    }
    cleaned.push_back(std::move(run));
  }
  return cleaned;
}

std::string describe(const CleanedRun& run) {
  std::string text = "stale run " + run.dir.string() + ":";
  if (run.processes.empty()) text += " no processes recorded";
  for (std::size_t i = 0; i < run.processes.size(); ++i) {
    const auto& o = run.processes[i];
    text += (i == 0 ? " " : ", ");
    text += std::string(how_text(o.how)) + " " + o.process.name + " (pid " +
            std::to_string(o.process.pid) + ")";
  }
  text += run.removed ? "; removed" : "; NOT removed: " + run.error;
  return text;
}

}  // namespace lg::stack
