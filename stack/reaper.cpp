#include "stack/reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "stack/companion_binary.h"
#include "stack/posix_fd.h"
#include "stack/run_dir.h"

extern char** environ;

namespace lg::stack {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kReadyTimeout = 5000ms;    // exec + argument parsing, on a loaded machine
constexpr auto kDismissTimeout = 2000ms;  // it only has to read one byte and exit
constexpr char kDismiss = 'q';
constexpr std::string_view kReadyLine = "ready\n";

// waitpid with a deadline (polling: the reaper is our child, no pidfd needed for 2 s).
std::optional<int> wait_child(int pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;  // not ours any more (reaped elsewhere)
    if (std::chrono::steady_clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

std::string status_text(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

}  // namespace

fs::path reaper_binary() {
#ifdef LG_REAPER_BINARY
  return companion_binary("LG_REAPER", LG_REAPER_BINARY, "loadgen-reaper");
#else
  return companion_binary("LG_REAPER", nullptr, "loadgen-reaper");
#endif
}

std::expected<std::unique_ptr<Reaper>, std::string> Reaper::start(const fs::path& run_dir,
                                                                  const fs::path& binary,
                                                                  std::chrono::milliseconds grace) {
  const std::string who = "stack: cannot start the reaper " + binary.string();
  if (!binary.is_absolute() || ::access(binary.c_str(), X_OK) != 0) {
    return std::unexpected(who + ": " +
                           (binary.is_absolute() ? errno_text(errno) : "not absolute") +
                           " (build loadgen-reaper with loadgen, or set LG_REAPER)");
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return std::unexpected(who + ": socketpair: " + errno_text(errno));
  }
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(pair[0]);
    ::close(pair[1]);
    return std::unexpected(who + ": pipe: " + errno_text(err));
  }

  // The child's stdin is its end of the socket pair, its stdout the ready pipe (dup2 clears
  // close-on-exec on the copies); its own session, an empty signal mask and default
  // dispositions (loadgen may block or ignore some).
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pair[1], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, ready[1], STDOUT_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args{binary.string(), "--run-dir", run_dir.string(), "--grace-ms",
                                std::to_string(grace.count())};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(pair[1]);   // only the reaper holds its end now
  ::close(ready[1]);  // so the ready pipe reads EOF if the reaper dies before reporting
  const Fd ready_read(ready[0]);
  if (rc != 0) {
    ::close(pair[0]);
    return std::unexpected(who + ": " + errno_text(rc));
  }
  std::unique_ptr<Reaper> reaper(new Reaper(pid, pair[0]));

  std::string got;
  const auto until = std::chrono::steady_clock::now() + kReadyTimeout;
  while (got.size() < kReadyLine.size()) {
    auto readable = wait_fd(ready_read.get(), POLLIN, until);
    if (!readable || !*readable) break;
    char buf[16];
    const auto n = ::read(ready_read.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  if (got != kReadyLine) {
    auto status = wait_child(pid, 200ms);  // EOF without "ready": it is exiting
    const std::string what = status && *status >= 0
                                 ? status_text(*status) + " before it reported ready"
                                 : "did not report ready within 5 s";
    if (!status) {
      ::kill(pid, SIGKILL);
      (void)wait_child(pid, kDismissTimeout);
    }
    reaper->pid_ = -1;  // reaped: nothing for dismiss() to wait for
    return std::unexpected(who + ": it " + what + " (its messages are on stderr)");
  }
  return reaper;
}

Reaper::~Reaper() {
  dismiss();
}

void Reaper::dismiss() {
  if (control_fd_ >= 0) {
    // A socket, not a pipe: MSG_NOSIGNAL, so a reaper that died already costs no SIGPIPE.
    (void)::send(control_fd_, &kDismiss, 1, MSG_NOSIGNAL);
    ::close(control_fd_);
    control_fd_ = -1;
  }
  if (pid_ > 0) {
    if (!wait_child(pid_, kDismissTimeout)) {
      ::kill(pid_, SIGKILL);
      (void)wait_child(pid_, kDismissTimeout);
    }
    pid_ = -1;
  }
}

int run_reaper(int control_fd, const fs::path& run_dir, std::chrono::milliseconds grace,
               std::FILE* log) {
  while (true) {
    char byte = 0;
    const auto n = ::read(control_fd, &byte, 1);
    if (n == 1) return 0;  // dismissed: loadgen stopped the stack itself, or left it running
    if (n < 0 && errno == EINTR) continue;
    break;  // EOF (or an error): loadgen is gone without a word
  }
  auto outcomes = kill_recorded(run_dir, grace);
  if (!outcomes) {
    std::fprintf(log, "loadgen-reaper: loadgen is gone; cannot stop the processes of %s: %s\n",
                 run_dir.c_str(), outcomes.error().c_str());
    return 1;
  }
  const bool acted = std::ranges::any_of(
      *outcomes, [](const StopOutcome& o) { return o.how != StopOutcome::How::kGone; });
  const bool survived = std::ranges::any_of(
      *outcomes, [](const StopOutcome& o) { return o.how == StopOutcome::How::kSurvived; });
  std::string removed;
  std::error_code ec;
  if (!survived && fs::exists(run_dir, ec)) {
    if (check_stack_run(run_dir)) {
      fs::remove_all(run_dir, ec);
      removed = ec ? "; cannot remove it: " + ec.message() : "; removed it";
    } else {
      removed = "; left it for the next start's stale-run cleanup";
    }
  }
  if (acted) {
    std::string text;
    for (const auto& o : *outcomes) {
      if (o.how == StopOutcome::How::kGone) continue;
      text += (text.empty() ? "" : ", ") + std::string(how_text(o.how)) + " " + o.process.name +
              " (pid " + std::to_string(o.process.pid) + ")";
    }
    std::fprintf(log, "loadgen-reaper: loadgen is gone; run %s: %s%s\n", run_dir.c_str(),
                 text.c_str(), removed.c_str());
    std::fflush(log);
  }
  return survived ? 1 : 0;
}

}  // namespace lg::stack
