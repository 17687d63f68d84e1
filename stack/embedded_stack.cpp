#include "stack/embedded_stack.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "stack/boost_process_runner.h"
#include "stack/http_probe.h"
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

bool http_ok(std::uint16_t port, const char* path) {
  auto r = http_get("127.0.0.1", port, path, kProbeTimeout);
  return r && r->status == 200;
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

std::map<std::string, std::string> read_info(const std::filesystem::path& dir) {
  std::map<std::string, std::string> info;
  std::ifstream in(dir / "stack.info");
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) info[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return info;
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
      replicas_(
          std::make_unique<ReplicaSet>(*supervisor_, bin_, layout_, ports_, api_,
                                       ReplicaOptions{o.max_replicas, o.fpm_children, !o.detach})),
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
  if (auto r = s->bring_up(); !r) {
    auto err = r.error();
    (void)s->down();
    return std::unexpected(err);
  }
  return s;
}

std::expected<void, std::string> EmbeddedStack::bring_up() {
  if (auto r = prepare_run_dir(layout_); !r) return r;
  auto db = prepare_mariadb(bin_, layout_);
  if (!db) return std::unexpected(db.error());
  times_.template_created = db->created;
  times_.mariadb_prepared = since_start();
  auto spec = mariadb_spec(bin_, layout_, ports_);
  if (!spec) return std::unexpected(spec.error());
  spec->die_with_parent = !options_.detach;
  const auto& layout = layout_;
  if (auto r = supervisor_->start(
          *spec, [&layout] { return mariadb_ready(layout); }, kMariadbDeadline);
      !r) {
    return std::unexpected(r.error());
  }
  times_.mariadb_ready = since_start();
  auto hp = haproxy_spec(bin_, layout_, ports_, options_.max_replicas);
  if (!hp) return std::unexpected(hp.error());
  hp->die_with_parent = !options_.detach;
  const auto& api = api_;
  if (auto r = supervisor_->start(
          *hp, [&api] { return api.show_info().has_value(); }, kServiceDeadline);
      !r) {
    return std::unexpected(r.error());
  }
  times_.haproxy_ready = since_start();
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
  const auto port = ports_.haproxy();
  if (!wait_for([port] { return http_ok(port, "/api/item?id=1"); }, kServiceDeadline)) {
    return std::unexpected("stack: no 200 for GET /api/item?id=1 through HAProxy on port " +
                           std::to_string(port) + " within 10 s (logs in " +
                           layout_.logs().string() + ")");
  }
  times_.first_200 = since_start();
  return write_info();
}

std::filesystem::path autoscaler_binary() {
  if (const char* env = std::getenv("LG_AUTOSCALER"); env != nullptr && *env != '\0') return env;
#ifdef LG_AUTOSCALER_BINARY
  return LG_AUTOSCALER_BINARY;
#else
  return "loadgen-autoscaler";
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
  spec.argv.insert(spec.argv.end(), options_.autoscaler_args.begin(),
                   options_.autoscaler_args.end());
  spec.log = layout_.logs() / "autoscaler.log";
  spec.cwd = layout_.dir;
  spec.stop_signal = SIGTERM;
  spec.stop_timeout = milliseconds{30'000};  // it drains and stops its replicas first
  spec.die_with_parent = !options_.detach;
  const auto port = ports_.autoscaler();
  const auto want = options_.replicas;
  auto ready = [this, port, want] {
    return http_ok(port, "/health") && haproxy_replicas().size() >= want;
  };
  if (auto r = supervisor_->start(spec, ready, milliseconds{60'000}); !r) {
    return std::unexpected(r.error());
  }
  return {};
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

std::expected<void, std::string> EmbeddedStack::write_info() const {
  std::ostringstream out;
  out << "url=" << url() << "\nstats=" << stats_url() << "\nbase_port=" << ports_.base
      << "\nmax_replicas=" << options_.max_replicas << "\nreplicas=";
  const auto active = replicas();
  for (std::size_t i = 0; i < active.size(); ++i) out << (i ? "," : "") << active[i];
  out << "\n";
  const auto tmp = layout_.dir / "stack.info.tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << out.str();
    if (!f) return std::unexpected("stack: cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, layout_.dir / "stack.info", ec);
  if (ec) return std::unexpected("stack: cannot write stack.info: " + ec.message());
  return {};
}

std::string EmbeddedStack::url() const {
  return "http://127.0.0.1:" + std::to_string(ports_.haproxy());
}

std::string EmbeddedStack::stats_url() const {
  return "http://127.0.0.1:" + std::to_string(ports_.stats()) + "/stats";
}

std::expected<void, std::string> EmbeddedStack::down() {
  if (down_) return {};
  down_ = true;
  auto r = supervisor_->stop_all();
  std::error_code ec;
  if (r) std::filesystem::remove_all(layout_.dir, ec);
  return r;
}

std::expected<void, std::string> EmbeddedStack::detach() {
  if (auto r = supervisor_->detach(); !r) return r;
  detached_ = true;
  return {};
}

std::vector<std::filesystem::path> list_runs(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> runs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    if (std::filesystem::exists(e.path() / "stack.info")) runs.push_back(e.path());
  }
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    std::error_code e1, e2;
    return std::filesystem::last_write_time(a / "stack.info", e1) >
           std::filesystem::last_write_time(b / "stack.info", e2);
  });
  return runs;
}

std::expected<std::string, std::string> describe_run(const std::filesystem::path& dir) {
  auto info = read_info(dir);
  if (info.empty()) return std::unexpected("no stack.info in " + dir.string());
  std::ostringstream out;
  out << "run directory " << dir.string() << "\nurl   " << info["url"] << "\nstats "
      << info["stats"] << "\n\nprocesses:\n";
  auto procs = read_pids(dir);
  if (!procs) return std::unexpected(procs.error());
  const auto base = static_cast<std::uint16_t>(std::stoi(info["base_port"]));
  const Ports ports{base};
  for (const auto& p : *procs) {
    std::string port = "-";
    if (p.name == "haproxy") port = std::to_string(ports.haproxy());
    if (p.name == "mariadb") port = std::to_string(ports.mariadb());
    if (p.name.starts_with("nginx-")) {
      port =
          std::to_string(ports.replica(static_cast<std::uint32_t>(std::stoul(p.name.substr(6)))));
    }
    char line[160];
    std::snprintf(line, sizeof line, "  %-10s pid %-8d port %-6s %s\n", p.name.c_str(), p.pid,
                  port.c_str(), is_alive(p.pid) ? "running" : "NOT RUNNING");
    out << line;
  }
  out << "\nreplicas as HAProxy sees them (backend " << kBackend << "):\n";
  const HaproxyApi api(Layout{dir}.haproxy_socket());
  auto stats = api.show_stat(kBackend);
  if (!stats) {
    out << "  (runtime API unavailable: " << stats.error() << ")\n";
    return out.str();
  }
  for (const auto& s : *stats) {
    if (s.kind != StatRowKind::kServer || s.status == "MAINT") continue;
    char line[200];
    std::snprintf(line, sizeof line, "  %-6s %-21s %-8s check %-6s sessions %llu total %llu\n",
                  s.server.c_str(), s.addr.c_str(), s.status.c_str(), s.check_status.c_str(),
                  static_cast<unsigned long long>(s.scur), static_cast<unsigned long long>(s.stot));
    out << line;
  }
  return out.str();
}

}  // namespace lg::stack
