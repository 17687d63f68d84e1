#include "stack/embedded_stack.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "stack/boost_process_runner.h"
#include "stack/companion_binary.h"
#include "stack/fault_proxy.h"
#include "stack/http_probe.h"
#include "stack/listeners.h"
#include "stack/proc_stat.h"

namespace lg::stack {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kMariadbDeadline{30'000};  // cold start on a loaded machine
constexpr milliseconds kServiceDeadline{10'000};
constexpr milliseconds kProbeTimeout{500};
constexpr milliseconds kPoll{20};
constexpr std::uint16_t kFirstBase = 18000;
constexpr std::uint32_t kPortTries = 200;

// The status of GET path on 127.0.0.1:port, or -1 when there was no response.
int http_status(std::uint16_t port, const char* path) {
  auto r = http_get("127.0.0.1", port, path, kProbeTimeout);
  return r ? r->status : -1;
}

bool http_ok(std::uint16_t port, const char* path) {
  return http_status(port, path) == 200;
}

// Polls `ok` every 20 ms until it holds or `deadline` passes (bring-up only, never a test).
template <class F>
bool wait_for(F&& ok, milliseconds deadline) {
  const auto end = Clock::now() + deadline;
  while (!ok()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

// Starts the service `spec` describes (unless making it failed) under `supervisor`, waiting up
// to `deadline` for `ready`; it dies with loadgen unless the stack is detached.
std::expected<void, std::string> start_service(Supervisor& supervisor,
                                               std::expected<ProcessSpec, std::string> spec,
                                               bool detach, const std::function<bool()>& ready,
                                               milliseconds deadline) {
  if (!spec) return std::unexpected(spec.error());
  spec->die_with_parent = !detach;
  if (auto r = supervisor.start(*spec, ready, deadline); !r) return std::unexpected(r.error());
  return {};
}

}  // namespace

EmbeddedStack::EmbeddedStack(const StackOptions& o, Binaries bin, Layout layout, Ports ports)
    : options_(o),
      bin_(std::move(bin)),
      layout_(std::move(layout)),
      ports_(ports),
      runner_(std::make_unique<BoostProcessRunner>()),
      supervisor_(std::make_unique<Supervisor>(*runner_, layout_)),
      api_(layout_.haproxy_socket()),
      replicas_(std::make_unique<ReplicaSet>(
          *supervisor_, bin_, layout_, ports_, api_,
          ReplicaOptions{o.max_replicas, o.fpm_children, !o.detach, o.fault_proxy})),
      started_(Clock::now()) {}

EmbeddedStack::~EmbeddedStack() {
  if (!detached_) (void)down();
}

std::chrono::milliseconds EmbeddedStack::since_start() const {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - started_);
}

std::expected<std::unique_ptr<EmbeddedStack>, std::string> EmbeddedStack::up(
    const StackOptions& o) {
  if (o.replicas < 1 || o.replicas > o.max_replicas || o.max_replicas > kMaxReplicas) {
    return std::unexpected("stack: replicas must be in 1..max_replicas and max_replicas in 1.." +
                           std::to_string(kMaxReplicas));
  }
  auto bin = find_binaries();
  if (!bin) return std::unexpected(bin.error());
  // A run left by a killed loadgen still holds processes and ports: stop them first.
  for (const auto& cleaned : clean_stale(o.root))
    std::fprintf(stderr, "%s\n", describe(cleaned).c_str());
  Ports ports;
  if (o.base_port != 0) {
    ports.base = o.base_port;
  } else {
    auto base = find_free_port_block(kFirstBase, Ports::kBlockSize, kPortTries);
    if (!base) return std::unexpected("stack: " + base.error());
    ports.base = *base;
  }
  auto dir = create_run_dir(o.root);
  if (!dir) return std::unexpected(dir.error());
  std::unique_ptr<EmbeddedStack> s(new EmbeddedStack(o, std::move(*bin), Layout{*dir}, ports));
  if (!o.detach) {  // before the first process: whatever starts is watched
    auto reaper = Reaper::start(*dir);
    if (!reaper) {
      (void)s->down();
      return std::unexpected(reaper.error());
    }
    s->reaper_ = std::move(*reaper);
  }
  if (auto r = s->bring_up(); !r) {
    auto err = r.error();
    (void)s->down();
    return std::unexpected(err);
  }
  return s;
}

std::expected<void, std::string> EmbeddedStack::bring_up() {
  if (auto r = prepare_run_dir(layout_); !r) return r;
  // From here on the directory is recognisably a stack run (check_stack_run), so that
  // `loadgen stack down --run-dir` can stop a run killed during its bring-up.
  if (auto r = write_info("starting"); !r) return r;
  auto db = prepare_mariadb(bin_, layout_);
  if (!db) return std::unexpected(db.error());
  times_.template_created = db->created;
  times_.mariadb_prepared = since_start();
  const auto& layout = layout_;
  if (auto r = start_service(
          *supervisor_, mariadb_spec(bin_, layout_, ports_), options_.detach,
          [&layout] { return mariadb_ready(layout); }, kMariadbDeadline);
      !r) {
    return r;
  }
  times_.mariadb_ready = since_start();
  const auto& api = api_;
  if (auto r = start_service(
          *supervisor_, haproxy_spec(bin_, layout_, ports_, options_.max_replicas, options_.front),
          options_.detach, [&api] { return api.show_info().has_value(); }, kServiceDeadline);
      !r) {
    return r;
  }
  times_.haproxy_ready = since_start();
  // Before any replica: HAProxy's slots point at the proxy's ports from the first one on.
  if (options_.fault_proxy) {
    const auto control = ports_.fault_control();
    const auto probe = "stats " + std::to_string(ports_.replica_proxy(1));
    if (auto r = start_service(
            *supervisor_, fault_proxy_spec(layout_, ports_, options_.max_replicas), options_.detach,
            [control, probe] { return fault_control(control, probe).has_value(); },
            kServiceDeadline);
        !r) {
      return r;
    }
  }
  // Replicas start after HAProxy so that each is enabled as soon as it is healthy; with an
  // autoscaler, it starts them (it owns the replicas, as part of the system under test).
  if (!options_.autoscaler_args.empty()) {
    if (auto r = start_autoscaler(); !r) return r;
  } else {
    for (std::uint32_t i = 0; i < options_.replicas; ++i) {
      if (auto r = replicas_->add(); !r) return std::unexpected(r.error());
    }
  }
  times_.replicas_ready = since_start();
  // The probe speaks plain HTTP only: with the redirect on, the 308 proves HAProxy answers
  // there, and the replicas proved themselves healthy above.
  const auto port = ports_.haproxy();
  const int want = options_.front.redirect ? 308 : 200;
  if (!wait_for([port, want] { return http_status(port, "/api/item?id=1") == want; },
                kServiceDeadline)) {
    return std::unexpected(
        "stack: no " + std::to_string(want) + " for GET /api/item?id=1 through HAProxy on port " +
        std::to_string(port) + " within 10 s (logs in " + layout_.logs().string() + ")");
  }
  times_.first_200 = since_start();
  return write_info();
}

std::filesystem::path autoscaler_binary() {
#ifdef LG_AUTOSCALER_BINARY
  return companion_binary("LG_AUTOSCALER", LG_AUTOSCALER_BINARY, "loadgen-autoscaler");
#else
  return companion_binary("LG_AUTOSCALER", nullptr, "loadgen-autoscaler");
#endif
}

std::expected<void, std::string> EmbeddedStack::start_autoscaler() {
  const auto bin = autoscaler_binary();
  if (!std::filesystem::exists(bin)) {
    return std::unexpected("stack: the autoscaler binary " + bin.string() +
                           " is missing (build loadgen, or set LG_AUTOSCALER)");
  }
  ProcessSpec spec;
  spec.name = "autoscaler";
  spec.argv = {bin.string(),
               "--run-dir",
               layout_.dir.string(),
               "--base-port",
               std::to_string(ports_.base),
               "--min",
               std::to_string(options_.replicas),
               "--max",
               std::to_string(options_.max_replicas),
               "--fpm-children",
               std::to_string(options_.fpm_children)};
  if (options_.detach) spec.argv.emplace_back("--detached");
  if (options_.fault_proxy) spec.argv.emplace_back("--fault-proxy");
  spec.argv.insert(spec.argv.end(), options_.autoscaler_args.begin(),
                   options_.autoscaler_args.end());
  spec.log = layout_.logs() / "autoscaler.log";
  spec.cwd = layout_.dir;
  spec.stop_signal = SIGTERM;
  spec.stop_timeout = milliseconds{30'000};  // it drains and stops its replicas first
  const auto port = ports_.autoscaler();
  const auto want = options_.replicas;
  auto ready = [this, port, want] {
    return http_ok(port, "/health") && haproxy_replicas().size() >= want;
  };
  return start_service(*supervisor_, std::move(spec), options_.detach, ready, milliseconds{60'000});
}

std::vector<std::uint32_t> EmbeddedStack::haproxy_replicas() const {
  std::vector<std::uint32_t> slots;
  auto stats = api_.show_stat(kBackend);
  if (!stats) return slots;
  for (const auto& s : *stats) {
    if (s.kind == StatRowKind::kServer && s.status.starts_with("UP") &&
        s.server.starts_with("web")) {
      slots.push_back(static_cast<std::uint32_t>(std::stoul(s.server.substr(3))));
    }
  }
  return slots;
}

std::expected<std::uint32_t, std::string> EmbeddedStack::add_replica() {
  if (!options_.autoscaler_args.empty()) {
    return std::unexpected("stack: the autoscaler manages the replicas of this stack");
  }
  auto slot = replicas_->add();
  if (!slot) return slot;
  if (auto r = write_info(); !r) return std::unexpected(r.error());
  return slot;
}

std::expected<void, std::string> EmbeddedStack::remove_replica(milliseconds drain_deadline) {
  if (!options_.autoscaler_args.empty()) {
    return std::unexpected("stack: the autoscaler manages the replicas of this stack");
  }
  if (auto r = replicas_->remove(drain_deadline); !r) return r;
  return write_info();
}

std::expected<void, std::string> EmbeddedStack::write_info(const char* state) const {
  std::ostringstream out;
  out << "url=" << url() << "\nhttps_url=" << https_url() << "\ncert=" << tls_cert().string()
      << "\nstats=" << stats_url() << "\nbase_port=" << ports_.base
      << "\nmax_replicas=" << options_.max_replicas << "\nstate=" << state
      << "\nautoscaler=" << (options_.autoscaler_args.empty() ? 0 : 1) << "\nreplicas=";
  const auto active = replicas();
  for (std::size_t i = 0; i < active.size(); ++i) out << (i ? "," : "") << active[i];
  out << "\n";
  const auto tmp = layout_.dir / ".stack.info.tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << out.str();
    if (!f) return std::unexpected("stack: cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, layout_.dir / kInfoFile, ec);
  if (ec) return std::unexpected("stack: cannot write stack.info: " + ec.message());
  return {};
}

std::string EmbeddedStack::url() const {
  return "http://127.0.0.1:" + std::to_string(ports_.haproxy());
}

std::string EmbeddedStack::https_url() const {
  return "https://127.0.0.1:" + std::to_string(ports_.https());
}

std::string EmbeddedStack::stats_url() const {
  return "http://127.0.0.1:" + std::to_string(ports_.stats()) + "/stats";
}

std::expected<void, std::string> EmbeddedStack::down() {
  if (down_) return {};
  down_ = true;
  auto r = supervisor_->stop_all();
  // Groups this process did not start: an autoscaler that crashed leaves its replicas' workers.
  auto rest = stop_recorded(layout_.dir, milliseconds{1000});
  bool survivors = !rest;
  std::string left;
  if (rest) {
    for (const auto& o : *rest) {
      if (o.how != StopOutcome::How::kSurvived) continue;
      survivors = true;
      left += (left.empty() ? "" : ", ") + o.process.name + " (pid " +
              std::to_string(o.process.pid) + ")";
    }
  }
  std::error_code ec;
  if (r && !survivors) std::filesystem::remove_all(layout_.dir, ec);
  if (reaper_) reaper_->dismiss();  // the stack is stopped: nothing left for it to do
  if (!r) return r;
  if (!rest) return std::unexpected("stack: " + rest.error());
  if (survivors) return std::unexpected("stack: still alive after SIGKILL: " + left);
  return {};
}

std::expected<void, std::string> EmbeddedStack::detach() {
  if (auto r = supervisor_->detach(); !r) return r;
  if (reaper_) reaper_->dismiss();  // left running on purpose: never reaped
  detached_ = true;
  return {};
}

std::vector<std::filesystem::path> list_runs(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> runs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    if (std::filesystem::exists(e.path() / kInfoFile)) runs.push_back(e.path());
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    std::error_code e1, e2;
    return std::filesystem::last_write_time(a / kInfoFile, e1) >
           std::filesystem::last_write_time(b / kInfoFile, e2);
  });
  return runs;
}

namespace {

// Whether the recorded process itself (not a later one with its pid) is alive.
bool recorded_alive(const RecordedProcess& p) {
  const auto stat = read_proc_stat(p.pid);
  if (!stat || stat->state == 'Z' || stat->state == 'X') return false;
  return p.start_ticks == 0 || stat->start_ticks == p.start_ticks;
}

std::string pid_list(const std::vector<int>& pids) {
  std::string out;
  for (const int pid : pids) out += (out.empty() ? "" : " ") + std::to_string(pid);
  return out;
}

}  // namespace

std::expected<RunReport, std::string> describe_run(const std::filesystem::path& dir) {
  if (auto ok = check_stack_run(dir); !ok) return std::unexpected(ok.error());
  auto info = read_stack_info(dir);
  if (!info) return std::unexpected(info.error());
  auto procs = read_pids(dir);
  if (!procs) return std::unexpected(procs.error());
  const Ports& ports = info->ports;
  const auto roles = run_ports(ports, info->max_replicas);
  RunReport report;
  std::ostringstream out;
  out << "run directory " << dir.string() << "\nurl   " << info->url << "\nstats " << info->stats
      << (info->state.empty() ? "" : "\nstate " + info->state)
      << (is_detached(dir) ? " (detached)" : "") << "\n\nprocesses:\n";
  std::map<int, std::string> group_names;  // pgid -> recorded name
  for (const auto& p : *procs) {
    group_names[p.pid] = p.name;
    std::string port = "-";
    for (const auto& r : roles) {
      if (r.role == p.name) port = std::to_string(r.port);
    }
    const bool alive = recorded_alive(p);
    std::string state = alive ? "running" : "NOT RUNNING";
    if (!alive) {
      report.not_running.push_back(p.name);
      // A dead master whose workers live on: the group still has members (and may serve).
      if (group_alive(p)) {
        const auto left = live_group_members(p.pid);
        state += " (" + std::to_string(left.size()) +
                 " of its group still alive: " + pid_list(left) + ")";
      }
    }
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s pid %-8d port %-6s ", p.name.c_str(), p.pid,
                  port.c_str());
    out << line << state << '\n';
  }
  if (procs->empty()) out << "  (none recorded)\n";
  report.all_running = !procs->empty() && report.not_running.empty();

  out << "\nlistening on the run's ports (" << ports.base << ".."
      << ports.replica(info->max_replicas) << "):\n";
  std::set<std::uint16_t> wanted;
  for (const auto& r : roles) wanted.insert(r.port);
  const auto listening = listeners_on(wanted);
  for (const auto& l : listening) {
    std::string role = "?";
    for (const auto& r : roles) {
      if (r.port == l.port) role = r.role;
    }
    std::string holders = l.pids.size() == 1 ? "pid" : "pids";
    std::string commands;
    std::string owner;
    for (const int pid : l.pids) {
      holders += " " + std::to_string(pid);
      const std::string command = process_name(pid);
      if (commands.find(command) == std::string::npos) {
        commands += (commands.empty() ? "" : ", ") + command;
      }
      const auto st = read_proc_stat(pid);
      const auto g = st ? group_names.find(st->pgrp) : group_names.end();
      const std::string name = g != group_names.end() ? g->second : "NOT a process of this run";
      if (owner.find(name) == std::string::npos) owner += (owner.empty() ? "" : ", ") + name;
    }
    if (l.pids.empty()) {
      holders = "no process found (another user's?)";
      owner = "?";
    } else {
      holders += " (" + commands + ")";
    }
    char line[200];
    std::snprintf(line, sizeof line, "  %-6u %-14s ", static_cast<unsigned>(l.port), role.c_str());
    out << line << holders << " [" << owner << "]\n";
  }
  if (listening.empty()) out << "  (nothing)\n";

  out << "\nreplicas as HAProxy sees them (backend " << kBackend << "):\n";
  const HaproxyApi api(Layout{dir}.haproxy_socket());
  auto stats = api.show_stat(kBackend);
  if (!stats) {
    out << "  (runtime API unavailable: " << stats.error() << ")\n";
  } else {
    for (const auto& s : *stats) {
      if (s.kind != StatRowKind::kServer || s.status == "MAINT") continue;
      char line[200];
      std::snprintf(line, sizeof line, "  %-6s %-21s %-8s check %-6s sessions %llu total %llu\n",
                    s.server.c_str(), s.addr.c_str(), s.status.c_str(), s.check_status.c_str(),
                    static_cast<unsigned long long>(s.scur),
                    static_cast<unsigned long long>(s.stot));
      out << line;
    }
  }
  if (report.all_running) {
    out << "\nall " << procs->size() << " recorded processes running\n";
  } else {
    std::string names;
    for (const auto& n : report.not_running) names += (names.empty() ? "" : ", ") + n;
    out << "\nNOT RUNNING: " << (procs->empty() ? "no process is recorded" : names) << '\n';
  }
  report.text = out.str();
  return report;
}

}  // namespace lg::stack
