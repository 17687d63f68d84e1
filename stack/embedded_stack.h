// The embedded stack as one object: MariaDB, N replicas (nginx + its own PHP-FPM pool) and
// HAProxy in front, brought up in dependency order with a readiness probe for each, and torn
// down in reverse (by the Supervisor) on every path. Replicas are added and removed at run
// time through HAProxy's runtime API, never by reloading HAProxy.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "stack/haproxy_api.h"
#include "stack/layout.h"
#include "stack/process_spec.h"
#include "stack/reaper.h"
#include "stack/replica_set.h"
#include "stack/run_dir.h"
#include "stack/services.h"
#include "stack/supervisor.h"

namespace lg::stack {

struct StackOptions {
  std::uint32_t replicas = 2;                        // started at bring-up, 1..max_replicas
  std::uint32_t max_replicas = 10;                   // HAProxy server-template slots
  std::uint32_t fpm_children = kDefaultFpmChildren;  // PHP-FPM workers per replica
  std::uint16_t base_port = 0;  // first port of the block; 0 = first free block from 18000
  std::filesystem::path root = kDefaultRunRoot;  // run directories live under it
  // `stack up`: processes outlive this loadgen process. Otherwise a reaper (reaper.h) watches
  // the run from before its first process starts, so that nothing of it outlives loadgen,
  // even a SIGKILLed one.
  bool detach = false;
  // Non-empty: the autoscaler process (loadgen-autoscaler) owns the replicas, starting with
  // `replicas` of them; these are its knob flags (e.g. {"--check-interval", "2s"}).
  std::vector<std::string> autoscaler_args;
  FrontendOptions front;  // HAProxy's redirect to HTTPS and per-IP limits (off by default)
  // Start loadgen-faultproxy (Ports::fault_control) with a route per replica slot, and have
  // HAProxy reach the replicas through it: what network faults switch toxics on.
  bool fault_proxy = false;
};

std::filesystem::path fault_proxy_binary();

// Where loadgen-autoscaler is: $LG_AUTOSCALER, else the one built with this loadgen.
std::filesystem::path autoscaler_binary();

// Milliseconds from the start of up() to each milestone (for figures and the live output).
struct BringUpTimes {
  std::chrono::milliseconds mariadb_prepared{0};  // datadir copied (or template created)
  std::chrono::milliseconds mariadb_ready{0};
  std::chrono::milliseconds haproxy_ready{0};
  std::chrono::milliseconds replicas_ready{0};  // started, healthy and enabled in HAProxy
  std::chrono::milliseconds first_200{0};       // GET /api/item?id=1 through HAProxy (plain
                                                // HTTP; with the redirect, its 308)
  bool template_created = false;                // a cold MariaDB initialisation happened
};

class EmbeddedStack {
 public:
  // Brings the whole stack up; on any failure stops what was started (reverse order) and
  // returns a message naming the service, with the tail of its log. Without o.detach, fails
  // if the reaper cannot start (nothing else is started then).
  static std::expected<std::unique_ptr<EmbeddedStack>, std::string> up(const StackOptions& o);
  ~EmbeddedStack();  // down(), unless detached
  EmbeddedStack(const EmbeddedStack&) = delete;
  EmbeddedStack& operator=(const EmbeddedStack&) = delete;

  std::string url() const;        // http://127.0.0.1:<haproxy port>
  std::string https_url() const;  // https://127.0.0.1:<https port>
  // The certificate HAProxy serves on https_url(): a client's CA file (`--ca-file`).
  std::filesystem::path tls_cert() const { return layout_.tls_cert(); }
  std::string stats_url() const;  // the HAProxy stats page
  const Layout& layout() const { return layout_; }
  const Ports& ports() const { return ports_; }
  const BringUpTimes& times() const { return times_; }
  const HaproxyApi& api() const { return api_; }
  bool has_fault_proxy() const { return options_.fault_proxy; }
  // Slots in use, ascending (with an autoscaler: the UP servers HAProxy reports).
  std::vector<std::uint32_t> replicas() const {
    return options_.autoscaler_args.empty() ? replicas_->active() : haproxy_replicas();
  }

  // Starts a replica in the lowest free slot, probes its own /health, and only then points
  // the slot at it and sets it ready. Returns the slot number.
  std::expected<std::uint32_t, std::string> add_replica();
  // Removes the highest-numbered replica: drain, wait for its sessions to reach 0 (bounded by
  // `drain_deadline`), maint, then stop nginx gracefully and its pool.
  std::expected<void, std::string> remove_replica(
      std::chrono::milliseconds drain_deadline = std::chrono::milliseconds{10'000});
  Supervisor& supervisor() { return *supervisor_; }

  // Stops everything (reverse start order), then whatever is still alive of the groups recorded
  // in the run (e.g. a crashed autoscaler's replicas), removes the run directory and dismisses
  // the reaper. Idempotent.
  std::expected<void, std::string> down();
  // Leaves the processes running after this object is gone (`loadgen stack up`); the reaper,
  // if any, is dismissed.
  std::expected<void, std::string> detach();

 private:
  EmbeddedStack(const StackOptions& o, Binaries bin, Layout layout, Ports ports);
  std::expected<void, std::string> bring_up();
  std::expected<void, std::string> write_info(const char* state = "up") const;
  std::expected<void, std::string> start_autoscaler();
  std::vector<std::uint32_t> haproxy_replicas() const;
  std::chrono::milliseconds since_start() const;

  StackOptions options_;
  Binaries bin_;
  Layout layout_;
  Ports ports_;
  std::unique_ptr<ProcessRunner> runner_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<Reaper> reaper_;  // none when detached
  HaproxyApi api_;
  std::unique_ptr<ReplicaSet> replicas_;
  BringUpTimes times_;
  std::chrono::steady_clock::time_point started_;
  bool down_ = false;
  bool detached_ = false;
};

// What `stack status` shows about a run directory: its info file, every recorded process
// (running or not, and what is left alive of its process group), every process listening on
// the run's ports (listeners.h: recorded or not) and HAProxy's view of the replicas.
struct RunReport {
  std::string text;
  bool all_running = false;  // at least one process recorded, and every one of them running
  std::vector<std::string> not_running;  // names of the recorded processes that are not
};
// Error: `dir` is not a stack run (check_stack_run).
std::expected<RunReport, std::string> describe_run(const std::filesystem::path& dir);
// The run directories under root that have a stack.info (newest first).
std::vector<std::filesystem::path> list_runs(const std::filesystem::path& root = kDefaultRunRoot);

}  // namespace lg::stack
