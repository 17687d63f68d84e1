#include "stack/autoscaler/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>

#include "stack/proc_stat.h"

namespace lg::stack::autoscaler {
namespace {

// b - a for a counter; a counter that went down was reset (HAProxy restarted): no increment.
std::uint64_t increment(std::uint64_t a, std::uint64_t b) {
  return b >= a ? b - a : 0;
}

const ServerStat* backend_row(const std::vector<ServerStat>& rows) {
  const auto it = std::ranges::find_if(rows, [](const ServerStat& r) { return r.is_backend(); });
  return it == rows.end() ? nullptr : &*it;
}

std::uint64_t responses(const ServerStat& row) {
  std::uint64_t sum = 0;
  for (const auto n : row.hrsp) sum += n;
  return sum;
}

double ticks_per_second() {
  static const double ticks = [] {
    const long t = ::sysconf(_SC_CLK_TCK);
    return t > 0 ? static_cast<double>(t) : 100.0;
  }();
  return ticks;
}

}  // namespace

Observation observe(const Snapshot* previous, const Snapshot& current) {
  Observation out;
  std::map<std::string, const ServerStat*> servers;
  for (const auto& row : current.stats) {
    if (row.kind == StatRowKind::kServer) servers[row.server] = &row;
  }
  for (const auto& r : current.replicas) {
    ReplicaHealth h;
    h.slot = r.slot;
    h.processes_alive = r.alive;
    h.gone = r.gone;
    if (const auto it = servers.find("web" + std::to_string(r.slot)); it != servers.end()) {
      h.status = it->second->status;
      h.check_status = it->second->check_status;
    }
    out.replicas.push_back(std::move(h));
  }
  if (previous == nullptr || !(current.t_s > previous->t_s)) return out;

  const double dt = current.t_s - previous->t_s;
  Sample s;
  s.t_s = current.t_s;
  s.replicas = static_cast<std::uint32_t>(current.replicas.size());
  for (const auto& [name, row] : servers) {
    if (row->status.starts_with("UP")) ++s.healthy;
  }

  // Requests served by the servers over the interval.
  std::map<std::string, std::uint64_t> before;
  for (const auto& row : previous->stats) {
    if (row.kind == StatRowKind::kServer) before[row.server] = row.stot;
  }
  std::uint64_t served = 0;
  for (const auto& [name, row] : servers) {
    const auto it = before.find(name);
    served += increment(it == before.end() ? 0 : it->second, row->stot);
  }
  if (s.replicas > 0) s.rps_per_replica = static_cast<double>(served) / dt / s.replicas;

  if (const ServerStat* now = backend_row(current.stats)) {
    s.response_ms = static_cast<double>(now->rtime);
    s.queue = static_cast<double>(now->qcur);
    if (const ServerStat* then = backend_row(previous->stats)) {
      const auto all = increment(responses(*then), responses(*now));
      const auto errors = increment(then->hrsp[4], now->hrsp[4]);
      if (all > 0)
        s.error_rate = std::min(1.0, static_cast<double>(errors) / static_cast<double>(all));
    }
  }

  // CPU: replicas alive in both snapshots; a replaced replica's counters restart from its new
  // processes, so it is skipped until it has two snapshots of its own.
  double cpu_sum = 0;
  std::uint32_t measured = 0;
  for (const auto& r : current.replicas) {
    const auto it = std::ranges::find_if(
        previous->replicas, [&r](const Snapshot::Replica& p) { return p.slot == r.slot; });
    if (it == previous->replicas.end() || !it->alive || !r.alive || r.cpu_s < it->cpu_s) continue;
    cpu_sum += (r.cpu_s - it->cpu_s) / dt * 100.0;
    ++measured;
  }
  if (measured > 0) s.cpu_percent = cpu_sum / measured;
  out.sample = s;
  return out;
}

double group_cpu_seconds(const std::vector<int>& pgids) {
  std::uint64_t ticks = 0;
  for (const int pgid : pgids) {
    if (pgid <= 1) continue;
    for (const int pid : live_group_members(pgid)) {
      if (const auto st = read_proc_stat(pid); st && st->pgrp == pgid) {
        ticks += st->utime_ticks + st->stime_ticks;
      }
    }
  }
  return static_cast<double>(ticks) / ticks_per_second();
}

MetricsSource::MetricsSource(const HaproxyApi& api, ReplicaLister replicas, std::string backend)
    : api_(api), replicas_(std::move(replicas)), backend_(std::move(backend)) {}

std::expected<Observation, std::string> MetricsSource::observe_at(double t_s) {
  auto stats = api_.show_stat(backend_);
  if (!stats) return std::unexpected(stats.error());
  Snapshot snap;
  snap.t_s = t_s;
  snap.stats = std::move(*stats);
  auto replicas = replicas_ ? replicas_() : std::vector<ReplicaProcesses>{};
  std::ranges::sort(replicas, {}, &ReplicaProcesses::slot);
  for (const auto& r : replicas) {
    Snapshot::Replica rep;
    rep.slot = r.slot;
    rep.alive = r.nginx_running && r.fpm_running;
    if (!r.nginx_running) rep.gone = "nginx";
    if (!r.fpm_running) rep.gone += rep.gone.empty() ? "PHP-FPM" : " and PHP-FPM";
    rep.cpu_s = group_cpu_seconds({r.nginx_pid, r.fpm_pid});
    snap.replicas.push_back(rep);
  }
  Observation out = observe(previous_ ? &*previous_ : nullptr, snap);
  previous_ = std::move(snap);
  return out;
}

}  // namespace lg::stack::autoscaler
