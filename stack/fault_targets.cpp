#include "stack/fault_targets.h"

#include <charconv>
#include <map>
#include <string_view>

#include "stack/layout.h"

namespace lg::stack {
namespace {

// "nginx-3" -> 3 when the name has that prefix, else 0.
std::uint32_t slot_of(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  std::uint32_t n = 0;
  const auto rest = name.substr(prefix.size());
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
  return ec == std::errc{} && ptr == rest.data() + rest.size() ? n : 0;
}

struct ReplicaGroups {
  int nginx = 0;  // pgid, 0 = not running
  int fpm = 0;
};

std::vector<int> parts(const ReplicaGroups& g, FaultTarget::Part part) {
  switch (part) {
    case FaultTarget::Part::kNginx:
      return g.nginx != 0 ? std::vector<int>{g.nginx} : std::vector<int>{};
    case FaultTarget::Part::kFpm:
      return g.fpm != 0 ? std::vector<int>{g.fpm} : std::vector<int>{};
    case FaultTarget::Part::kBoth:
      break;
  }
  if (g.nginx == 0 || g.fpm == 0) return {};  // half a replica is not the replica
  return {g.nginx, g.fpm};
}

// The slots whose nginx and PHP-FPM both run.
std::string list(const std::map<std::uint32_t, ReplicaGroups>& replicas) {
  std::string out;
  for (const auto& [slot, g] : replicas) {
    if (g.nginx != 0 && g.fpm != 0) out += (out.empty() ? "" : ", ") + std::to_string(slot);
  }
  return out.empty() ? "none" : out;
}

using Replicas = std::map<std::uint32_t, ReplicaGroups>;  // alive groups by slot

Replicas alive_replicas(const std::vector<RecordedProcess>& recorded,
                        bool (*alive)(const RecordedProcess&)) {
  Replicas replicas;
  for (const auto& p : recorded) {
    if (!alive(p)) continue;
    if (const auto n = slot_of(p.name, kNginxPrefix)) replicas[n].nginx = p.pid;
    if (const auto n = slot_of(p.name, kFpmPrefix)) replicas[n].fpm = p.pid;
  }
  return replicas;
}

// The slot a replica target names now: its own if the part it names runs, else (replica:any)
// the lowest whose part runs.
std::expected<std::uint32_t, std::string> pick_slot(const FaultTarget& target,
                                                    const Replicas& replicas) {
  if (target.slot != 0) {
    const auto it = replicas.find(target.slot);
    if (it == replicas.end() || parts(it->second, target.part).empty()) {
      return std::unexpected("replica " + std::to_string(target.slot) +
                             " is not running (running: " + list(replicas) + ")");
    }
    return target.slot;
  }
  for (const auto& [slot, g] : replicas) {
    if (!parts(g, target.part).empty()) return slot;
  }
  return std::unexpected(std::string("no replica is running"));
}

}  // namespace

std::expected<std::vector<int>, std::string> resolve_fault_target(
    const FaultTarget& target, const std::vector<RecordedProcess>& recorded,
    bool (*alive)(const RecordedProcess&)) {
  const auto single = [&](const char* name,
                          const char* what) -> std::expected<std::vector<int>, std::string> {
    for (const auto& p : recorded) {
      if (p.name == name && alive(p)) return std::vector<int>{p.pid};
    }
    return std::unexpected(std::string(what) + " is not running");
  };
  if (target.what == FaultTarget::What::kDatabase) return single("mariadb", "the database (db)");
  if (target.what == FaultTarget::What::kAutoscaler) return single("autoscaler", "the autoscaler");

  const auto replicas = alive_replicas(recorded, alive);
  auto slot = pick_slot(target, replicas);
  if (!slot) return std::unexpected(slot.error());
  return parts(replicas.at(*slot), target.part);
}

std::expected<std::uint32_t, std::string> resolve_fault_slot(
    const FaultTarget& target, const std::vector<RecordedProcess>& recorded,
    bool (*alive)(const RecordedProcess&)) {
  if (target.what != FaultTarget::What::kReplica)
    return std::unexpected(std::string("only a replica has a slot"));
  return pick_slot(target, alive_replicas(recorded, alive));
}

std::expected<std::uint16_t, std::string> resolve_fault_route(const FaultTarget& target,
                                                              const std::filesystem::path& run_dir,
                                                              const Ports& ports) {
  auto recorded = read_pids(run_dir);
  if (!recorded) return std::unexpected(recorded.error());
  if (target.what == FaultTarget::What::kDatabase) {
    if (auto db = resolve_fault_target(target, *recorded); !db) return std::unexpected(db.error());
    return ports.db_proxy();
  }
  auto slot = resolve_fault_slot(target, *recorded);
  if (!slot) return std::unexpected(slot.error());
  return ports.replica_proxy(*slot);
}

std::expected<std::vector<int>, std::string> resolve_fault_target(
    const FaultTarget& target, const std::filesystem::path& run_dir) {
  auto recorded = read_pids(run_dir);
  if (!recorded) return std::unexpected(recorded.error());
  return resolve_fault_target(target, *recorded);
}

}  // namespace lg::stack
