// loadgen-autoscaler: the stack's autoscaler, its own process (part of the system under test).
// Usage: options.h. Exit status: 0 after SIGTERM/SIGINT (its replicas stopped), 1 when it
// cannot start (HAProxy not answering, a replica failing to start, the port taken), 2 for bad
// arguments.
//
// Start: its own process runner and supervisor (recording into <run dir>/pids.autoscaler), the
// replica set with --min replicas added one by one (each probed before HAProxy sends it
// traffic), then the /health and /metrics endpoint (so /health answering means the minimum is
// serving), then the control loop. SIGINT and SIGTERM are blocked in every thread and read from
// a signalfd, which the loop waits on until each check's deadline. On SIGINT/SIGTERM: the
// endpoint stops, every replica's slot goes to maintenance, and the replicas are stopped in
// reverse start order (Supervisor::stop_all).
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "stack/autoscaler/controller.h"
#include "stack/autoscaler/endpoint.h"
#include "stack/autoscaler/metrics.h"
#include "stack/autoscaler/options.h"
#include "stack/boost_process_runner.h"
#include "stack/haproxy_api.h"
#include "stack/layout.h"
#include "stack/replica_set.h"
#include "stack/services.h"
#include "stack/supervisor.h"

namespace {

namespace as = lg::stack::autoscaler;
using Clock = std::chrono::steady_clock;

void say(const std::string& line) {
  std::fputs(("loadgen-autoscaler: " + line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// 2 -> "2 s", 0.5 -> "0.5 s".
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// SIGINT/SIGTERM, read from a signalfd.
class Signals {
 public:
  Signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    // Before any thread starts, so every thread inherits the mask. The process runner resets
    // the mask of the children it starts.
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    fd_ = ::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~Signals() {
    if (fd_ >= 0) ::close(fd_);
  }
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;
  bool ok() const { return fd_ >= 0; }

  // Waits up to timeout_ms (0 = just look) for a signal; true once one has arrived.
  bool wait(int timeout_ms) {
    if (received_ != 0) return true;
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (n <= 0) return false;
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      received_ = static_cast<int>(info.ssi_signo);
      say(std::string("received ") + (received_ == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    }
    return received_ != 0;
  }
  bool pending() { return wait(0); }

 private:
  sigset_t set_{};
  int fd_ = -1;
  int received_ = 0;
};

int run(const as::AutoscalerConfig& cfg, Signals& signals) {
  const auto started = Clock::now();
  const auto since_start = [started] {
    return std::chrono::duration<double>(Clock::now() - started).count();
  };
  const as::Knobs& k = cfg.knobs;
  auto bin = lg::stack::find_binaries();
  if (!bin) {
    say(bin.error());
    return 1;
  }
  const lg::stack::Layout layout{cfg.run_dir};
  const lg::stack::Ports ports{cfg.base_port};
  const lg::stack::HaproxyApi api(layout.haproxy_socket());
  // HAProxy is started by the stack before us; give it a moment if it is just coming up.
  const auto haproxy_deadline = Clock::now() + std::chrono::seconds{10};
  while (!api.show_info()) {
    if (Clock::now() >= haproxy_deadline) {
      say("HAProxy does not answer on " + layout.haproxy_socket().string() + ": " +
          api.show_info().error());
      return 1;
    }
    if (signals.wait(100)) return 0;
  }

  lg::stack::BoostProcessRunner runner;
  lg::stack::SupervisorOptions so;
  so.record_suffix = ".autoscaler";
  so.exit_status = [&runner](int pid) { return runner.exit_status(pid); };
  lg::stack::Supervisor supervisor(runner, layout, so);
  lg::stack::ReplicaSet replicas(
      supervisor, *bin, layout, ports, api,
      {k.max_replicas, cfg.fpm_children, !cfg.detached, cfg.fault_proxy});
  // HAProxy first stops sending them requests (maint lets those in flight finish), then each
  // is stopped (SIGQUIT: nginx finishes what it serves), last started first.
  const auto stop_replicas = [&supervisor, &replicas, &api]() -> int {
    for (const auto slot : replicas.active()) {
      (void)api.set_server_state(lg::stack::kBackend, lg::stack::ReplicaSet::slot_name(slot),
                                 lg::stack::ServerAdminState::kMaint);
    }
    if (auto r = supervisor.stop_all(); !r) {
      say("stopping replicas: " + r.error());
      return 1;
    }
    return 0;
  };

  say("pid " + std::to_string(::getpid()) + ", run dir " + cfg.run_dir.string() + ", algorithm " +
      std::string(as::to_string(k.algorithm)) + ", replicas " + std::to_string(k.min_replicas) +
      ".." + std::to_string(k.max_replicas) + ", check every " + seconds(k.check_interval_s) +
      ", cooldown " + seconds(k.cooldown_s) + ", window " + seconds(k.window_s) +
      ", stabilization " + seconds(k.scale_down_stabilization_s));
  for (std::uint32_t i = 0; i < k.min_replicas; ++i) {
    if (signals.pending()) return stop_replicas();
    auto slot = replicas.add();
    if (!slot) {
      say("cannot start a replica: " + slot.error());
      stop_replicas();
      return 1;
    }
    say("replica " + lg::stack::ReplicaSet::slot_name(*slot) + " ready on port " +
        std::to_string(ports.replica(*slot)));
  }

  as::MetricsSource source(api, [&replicas, &supervisor] {
    std::vector<as::ReplicaProcesses> out;
    const auto procs = supervisor.processes();
    for (const auto slot : replicas.active()) {
      as::ReplicaProcesses r;
      r.slot = slot;
      for (const auto& p : procs) {
        if (p.name == lg::stack::nginx_name(slot)) {
          r.nginx_pid = p.pid;
          r.nginx_running = p.running;
        } else if (p.name == lg::stack::fpm_name(slot)) {
          r.fpm_pid = p.pid;
          r.fpm_running = p.running;
        }
      }
      out.push_back(r);
    }
    return out;
  });
  as::ReplicaSetActions actions(replicas);
  as::ControllerOptions co;
  co.event_log = lg::stack::Layout{cfg.run_dir}.events_file();
  co.stop_requested = [&signals] { return signals.pending(); };
  as::Controller controller(as::Policy(k), source, actions, co);

  auto endpoint = as::HttpEndpoint::start(
      ports.autoscaler(), as::autoscaler_handler([&controller] { return controller.status(); }));
  if (!endpoint) {
    say(endpoint.error());
    stop_replicas();
    return 1;
  }
  say("serving /health and /metrics on 127.0.0.1:" + std::to_string((*endpoint)->port()) +
      ", events in " + co.event_log.string());

  controller.run(
      since_start,
      [&signals, &since_start](double deadline_s) {
        while (true) {
          const double left = deadline_s - since_start();
          if (left <= 0) return !signals.pending();
          if (signals.wait(static_cast<int>(std::ceil(left * 1000)))) return false;
        }
      },
      since_start());

  (*endpoint)->stop();
  const int rc = stop_replicas();
  say(rc == 0 ? "replicas stopped, exiting" : "exiting with replicas left");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cfg = as::parse_args(args);
  if (!cfg) {
    std::fprintf(stderr, "loadgen-autoscaler: %s\n", cfg.error().c_str());
    return 2;
  }
  if (cfg->help) {
    std::fputs(as::usage().c_str(), stdout);
    return 0;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(cfg->run_dir, ec)) {
    std::fprintf(stderr,
                 "loadgen-autoscaler: --run-dir: \"%s\" is not accepted: expected an "
                 "existing run directory\n",
                 cfg->run_dir.c_str());
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  Signals signals;
  if (!signals.ok()) {
    std::fprintf(stderr, "loadgen-autoscaler: signalfd failed\n");
    return 1;
  }
  try {
    return run(*cfg, signals);
  } catch (const std::exception& e) {
    say(std::string("fatal: ") + e.what());
    return 1;
  }
}
