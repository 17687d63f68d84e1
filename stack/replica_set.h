// The replicas behind HAProxy's backend: each is an nginx plus its own PHP-FPM pool, in a
// server-template slot. Adding one starts it, probes its own /health, and only then points
// the slot at it and sets it ready (HAProxy marks a slot UP before its first check).
// Removing one drains it first, so no request is lost. Used by EmbeddedStack (fixed replica
// count) and by the autoscaler process (which owns its replicas).
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "stack/haproxy_api.h"
#include "stack/layout.h"
#include "stack/services.h"
#include "stack/supervisor.h"

namespace lg::stack {

inline constexpr const char* kBackend = "be_web";

struct ReplicaOptions {
  std::uint32_t max_replicas = 10;                   // HAProxy slots web1..webN
  std::uint32_t fpm_children = kDefaultFpmChildren;  // PHP-FPM workers per replica
  bool die_with_parent = true;                       // false when the stack is detached
  // HAProxy reaches each replica through the fault proxy (Ports::replica_proxy), and each
  // replica's app reaches MariaDB through it (Ports::db_proxy); the stack starts it before any
  // replica when a scenario has network faults.
  bool via_fault_proxy = false;
};

class ReplicaSet {
 public:
  ReplicaSet(Supervisor& supervisor, const Binaries& bin, const Layout& layout, const Ports& ports,
             const HaproxyApi& api, ReplicaOptions options);

  // Starts a replica in the lowest free slot and enables the slot; returns the slot number.
  std::expected<std::uint32_t, std::string> add();
  // Removes the highest-numbered replica: drain, wait until its sessions reach 0 (at most
  // `drain_deadline`), maint, then stop nginx (SIGQUIT) and its pool.
  std::expected<void, std::string> remove(
      std::chrono::milliseconds drain_deadline = std::chrono::milliseconds{10'000});
  // Recovery of a failed replica: maint, stop what is left of it, start it afresh, probe,
  // ready. The slot keeps its number; this is not a scale event.
  std::expected<void, std::string> replace(std::uint32_t slot);
  // Slots in use, ascending.
  const std::vector<std::uint32_t>& active() const { return active_; }

  static std::string slot_name(std::uint32_t slot) { return "web" + std::to_string(slot); }

 private:
  std::expected<void, std::string> start(std::uint32_t slot);
  std::expected<void, std::string> enable(std::uint32_t slot);
  std::expected<void, std::string> stop(std::uint32_t slot);

  Supervisor& supervisor_;
  const Binaries& bin_;
  const Layout& layout_;
  const Ports& ports_;
  const HaproxyApi& api_;
  ReplicaOptions options_;
  std::vector<std::uint32_t> active_;
};

}  // namespace lg::stack
