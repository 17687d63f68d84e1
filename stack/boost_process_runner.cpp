#include "stack/boost_process_runner.h"
#include "stack/posix_fd.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include "stack/proc_stat.h"

namespace lg::stack {
namespace bp = boost::process;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so call the syscall directly.
int open_pidfd(int pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
}

// Opens with O_CLOEXEC and moves the descriptor to 3 or above: dup2(fd, 1) with fd == 1 would
// keep the close-on-exec flag and leave the child without stdout.
std::expected<int, std::string> open_high(const char* path, int flags, mode_t mode) {
  Fd fd(::open(path, flags | O_CLOEXEC, mode));
  if (fd.get() < 0) return std::unexpected(std::string(path) + ": " + errno_text(errno));
  const int high = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (high < 0) return std::unexpected(std::string(path) + ": " + errno_text(errno));
  return high;
}

// Everything the child does between fork and exec. Only async-signal-safe calls: the parent
// has other threads, and any of them may have held a lock at fork time. On failure it reports
// through Boost's error pipe (exec.set_error writes, no allocation) and exits without exec,
// so spawn() returns an error and never a half-configured child.
struct ChildSetup : bp::extend::handler {
  int log_fd = -1;
  int null_fd = -1;
  const char* cwd = nullptr;  // nullptr: keep the parent's
  bool die_with_parent = true;
  pid_t parent = -1;

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    auto fail = [&exec](const char* what) {
      exec.set_error(std::error_code(errno, std::system_category()), what);
      ::_exit(127);
    };
    if (::setpgid(0, 0) != 0) fail("setpgid");
    if (die_with_parent) {
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("prctl(PR_SET_PDEATHSIG)");
      // The parent may have died between fork and prctl: then nobody will ever signal us.
      if (::getppid() != parent) ::_exit(127);
    }
    sigset_t none;
    ::sigemptyset(&none);
    if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) fail("sigprocmask");
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {
        ::signal(sig, SIG_DFL);
      }
    }
    if (cwd != nullptr && ::chdir(cwd) != 0) fail("chdir to the working directory");
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) fail("dup2");
    // Close-on-exec rather than close: Boost's error pipe must stay open until the exec.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      struct rlimit lim {};
      const rlim_t max = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                             ? lim.rlim_cur
                             : 65536;
      for (rlim_t fd = 3; fd < max; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
  }

  // The forked child failed before or at exec and has exited: Boost returns no child object
  // for it, so reap it here or it stays a zombie.
  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid <= 0) return;  // failed before fork
    int status = 0;
    while (::waitpid(exec.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
};

std::expected<int, std::string> spawn_now(const ProcessSpec& spec) {
  const std::string who = "cannot start " + spec.name;
  if (spec.argv.empty()) return std::unexpected(who + ": no command");
  const std::string& exe = spec.argv.front();
  if (!fs::path(exe).is_absolute()) {
    return std::unexpected(who + ": " + exe + " is not an absolute path");
  }
  if (::access(exe.c_str(), X_OK) != 0) {
    return std::unexpected(who + ": " + exe + ": " + errno_text(errno));
  }
  std::error_code fs_ec;
  if (!spec.cwd.empty() && !fs::is_directory(spec.cwd, fs_ec)) {
    return std::unexpected(who + ": working directory " + spec.cwd.string() + " does not exist");
  }
  if (spec.log.empty()) return std::unexpected(who + ": no log file given");
  if (spec.log.has_parent_path()) {
    fs::create_directories(spec.log.parent_path(), fs_ec);
    if (fs_ec) {
      return std::unexpected(who + ": cannot create " + spec.log.parent_path().string() + ": " +
                             fs_ec.message());
    }
  }
  auto log_fd = open_high(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (!log_fd) return std::unexpected(who + ": log " + log_fd.error());
  const Fd log_guard(*log_fd);
  auto null_fd = open_high("/dev/null", O_RDONLY, 0);
  if (!null_fd) return std::unexpected(who + ": " + null_fd.error());
  const Fd null_guard(*null_fd);

  ChildSetup setup;
  setup.log_fd = log_guard.get();
  setup.null_fd = null_guard.get();
  setup.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  setup.die_with_parent = spec.die_with_parent;
  setup.parent = ::getpid();
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  std::error_code ec;  // passing one makes Boost report errors here instead of throwing
  bp::child child(bp::exe = exe, bp::args = args, setup, ec);
  if (ec || !child.valid()) {
    return std::unexpected(who + " (" + exe + "): " + ec.message());
  }
  const int pid = child.id();
  child.detach();  // we reap it ourselves; an attached bp::child would kill it when dropped
  return pid;
}

}  // namespace

struct BoostProcessRunner::Impl {
  struct Child {
    bool reaped = false;
    std::optional<int> status;  // nullopt if reaped by someone else (ECHILD)
  };

  mutable std::mutex mu;
  std::unordered_map<int, Child> children;  // every pid we spawned; entries are a few bytes

  // The spawner thread and its queue.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<std::function<void()>> jobs;
  bool quit = false;
  std::thread spawner;

  void spawner_loop() {
    std::unique_lock lock(queue_mu);
    while (true) {
      queue_cv.wait(lock, [this] { return quit || !jobs.empty(); });
      if (jobs.empty()) return;  // quit, with nothing left to do
      auto job = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  // Under mu. True while running; reaps and records once exited.
  bool poll_locked(int pid, Child& child) {
    if (child.reaped) return false;
    int status = 0;
    while (true) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == 0) return true;
      if (r == pid) {
        child.reaped = true;
        child.status = status;
        return false;
      }
      if (errno == EINTR) continue;
      child.reaped = true;  // ECHILD: reaped elsewhere (e.g. SIGCHLD set to SIG_IGN)
      return false;
    }
  }
};

BoostProcessRunner::BoostProcessRunner() : impl_(std::make_unique<Impl>()) {
  // The spawner thread takes no signals: process-directed signals (SIGINT...) go to threads
  // that expect them. Children get an empty mask anyway (ChildSetup).
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  impl_->spawner = std::thread([impl = impl_.get()] { impl->spawner_loop(); });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

BoostProcessRunner::~BoostProcessRunner() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->quit = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->spawner.joinable()) impl_->spawner.join();
}

std::expected<int, std::string> BoostProcessRunner::spawn(const ProcessSpec& spec) {
  std::promise<std::expected<int, std::string>> promise;
  auto result = promise.get_future();
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->jobs.emplace_back([&spec, &promise, impl = impl_.get()] {
      std::expected<int, std::string> pid;
      try {
        pid = spawn_now(spec);
        if (pid) {  // known before spawn() returns, so running() reaps it from then on
          std::lock_guard children_lock(impl->mu);
          impl->children[*pid] = Impl::Child{};
        }
      } catch (const std::exception& e) {  // bad_alloc, or a Boost error despite the ec
        pid = std::unexpected("cannot start " + spec.name + ": " + e.what());
      }
      promise.set_value(std::move(pid));
    });
  }
  impl_->queue_cv.notify_one();
  return result.get();
}

bool BoostProcessRunner::running(int pid) {
  {
    std::lock_guard lock(impl_->mu);
    const auto it = impl_->children.find(pid);
    if (it != impl_->children.end()) return impl_->poll_locked(pid, it->second);
  }
  return is_alive(pid);
}

void BoostProcessRunner::signal_group(int pid, int sig) {
  if (pid <= 1 || pid == ::getpgrp()) return;
  {
    std::lock_guard lock(impl_->mu);
    const auto it = impl_->children.find(pid);
    // Our leader is reaped; if its pid is in use again, that is another process and our
    // group is empty (a pid is not reused while a group of that id has members).
    if (it != impl_->children.end() && it->second.reaped && read_proc_stat(pid)) return;
  }
  ::kill(-pid, sig);
}

bool BoostProcessRunner::wait_exit(int pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  bool ours = false;
  {
    std::lock_guard lock(impl_->mu);
    ours = impl_->children.contains(pid);
  }
  if (!ours) {
    while (is_alive(pid)) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  if (!running(pid)) return true;
  // A pidfd becomes readable when the process exits (it stays valid for a zombie), so the
  // wait needs no polling; fall back to polling if the kernel has no pidfd_open (< 5.3).
  const Fd pidfd(open_pidfd(pid));
  while (running(pid)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    if (pidfd.get() >= 0) {
      pollfd p{.fd = pidfd.get(), .events = POLLIN, .revents = 0};
      ::poll(&p, 1,
             static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), 60000)));
    } else {
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, 5ms));
    }
  }
  return true;
}

std::optional<int> BoostProcessRunner::exit_status(int pid) const {
  std::lock_guard lock(impl_->mu);
  const auto it = impl_->children.find(pid);
  if (it == impl_->children.end()) return std::nullopt;
  return it->second.status;
}

}  // namespace lg::stack
