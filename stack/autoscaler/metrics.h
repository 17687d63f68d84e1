// The autoscaler's inputs: one policy Sample per check, from HAProxy's counters (`show stat
// be_web`) and the replicas' CPU time in /proc, plus each replica's health for recovery.
//
// Rates are deltas between two snapshots taken one check interval apart, not HAProxy's own
// per-second `rate` column (which covers only the last second, whatever the interval):
//  - rps_per_replica: the servers' stot increments over the interval / seconds / replicas;
//  - error_rate: the BACKEND row's hrsp_5xx increment / its increment of all responses (0 when
//    there were none); the BACKEND row also counts the 503s HAProxy sends when no server is up;
//  - cpu_percent: per replica, the increment of utime + stime summed over the live members of its
//    nginx and PHP-FPM process groups, / seconds x 100 (% of one core); the mean over replicas
//    measured in both snapshots (a replica started or replaced meanwhile has no delta yet);
//  - response_ms = BACKEND rtime (HAProxy's mean over the last 1024 responses), queue = BACKEND
//    qcur, replicas = active slots, healthy = servers whose status starts with "UP".
// A counter that went down (HAProxy restarted, a replica's processes replaced) counts as 0.
//
// The arithmetic (observe) is pure and tested on hand-made snapshots; MetricsSource is the part
// that reads HAProxy and /proc.
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stack/autoscaler/policy.h"
#include "stack/haproxy_api.h"

namespace lg::stack::autoscaler {

// One replica as the autoscaler's supervisor knows it. Its processes are group leaders
// (pgid == pid); -1 = not started.
struct ReplicaProcesses {
  std::uint32_t slot = 0;
  int nginx_pid = -1;
  int fpm_pid = -1;
  bool nginx_running = false;  // the leader has not exited (asked of the process runner)
  bool fpm_running = false;
};

// What one check reads, at one instant.
struct Snapshot {
  struct Replica {
    std::uint32_t slot = 0;
    bool alive = false;  // nginx and PHP-FPM leaders both running
    double cpu_s = 0;    // utime + stime of the live members of both groups, seconds
    std::string gone;    // when not alive: "nginx", "PHP-FPM" or "nginx and PHP-FPM"
  };
  double t_s = 0;                 // monotonic, seconds since the autoscaler started
  std::vector<ServerStat> stats;  // the backend's server rows and its BACKEND row
  std::vector<Replica> replicas;  // the active slots, ascending
};

// A replica's health as seen in one check (input of the controller's recovery).
struct ReplicaHealth {
  std::uint32_t slot = 0;
  std::string status;        // HAProxy's status of server web<slot> ("" if the row is missing)
  std::string check_status;  // "L7OK", "L4CON", ...
  bool processes_alive = false;
  std::string gone;  // when not alive: which of its processes ("nginx", "PHP-FPM", both)
};

struct Observation {
  std::optional<Sample> sample;         // nullopt on the first check (no interval yet)
  std::vector<ReplicaHealth> replicas;  // every active slot, ascending
};

// The observation over (previous.t_s, current.t_s]. No previous snapshot, or no time between
// the two: no sample (health only).
Observation observe(const Snapshot* previous, const Snapshot& current);

// Seconds of CPU (utime + stime) used so far by the live members of the process groups
// `pgids` (reads /proc; exited members' time is not counted; pgid <= 1 is skipped).
double group_cpu_seconds(const std::vector<int>& pgids);

// Where the controller gets its observations (MetricsSource in production, fakes in tests).
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Observes at t_s (seconds since the autoscaler started). Errors: HAProxy did not answer.
  virtual std::expected<Observation, std::string> observe_at(double t_s) = 0;
};

class MetricsSource final : public SampleSource {
 public:
  using ReplicaLister = std::function<std::vector<ReplicaProcesses>()>;
  // `api`: HAProxy's runtime API, kept by reference; `replicas`: the active replicas now.
  MetricsSource(const HaproxyApi& api, ReplicaLister replicas, std::string backend = "be_web");

  // Takes a snapshot (show stat, then /proc for each replica) and observes against the last
  // successful one. A failed `show stat` keeps the previous snapshot, so the next sample covers
  // the longer interval.
  std::expected<Observation, std::string> observe_at(double t_s) override;

 private:
  const HaproxyApi& api_;
  ReplicaLister replicas_;
  std::string backend_;
  std::optional<Snapshot> previous_;
};

}  // namespace lg::stack::autoscaler
