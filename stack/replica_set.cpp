#include "stack/replica_set.h"

#include <algorithm>

#include "stack/http_probe.h"

namespace lg::stack {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kStartDeadline{10'000};
constexpr milliseconds kProbeTimeout{500};

}  // namespace

ReplicaSet::ReplicaSet(Supervisor& supervisor, const Binaries& bin, const Layout& layout,
                       const Ports& ports, const HaproxyApi& api, ReplicaOptions options)
    : supervisor_(supervisor),
      bin_(bin),
      layout_(layout),
      ports_(ports),
      api_(api),
      options_(options) {}

std::expected<void, std::string> ReplicaSet::start(std::uint32_t slot) {
  auto fpm = fpm_spec(bin_, layout_, slot, options_.fpm_children, default_assets_dir(),
                      options_.via_fault_proxy ? ports_.db_proxy() : 0);
  if (!fpm) return std::unexpected(fpm.error());
  fpm->die_with_parent = options_.die_with_parent;
  const auto& layout = layout_;
  if (auto r = supervisor_.start(
          *fpm, [&layout, slot] { return fpm_ready(layout, slot); }, kStartDeadline);
      !r) {
    return std::unexpected(r.error());
  }
  auto ngx = nginx_spec(bin_, layout_, ports_, slot);
  if (!ngx) return std::unexpected(ngx.error());
  ngx->die_with_parent = options_.die_with_parent;
  const auto port = ports_.replica(slot);
  const auto healthy = [port] {
    auto r = http_get("127.0.0.1", port, "/health", kProbeTimeout);
    return r && r->status == 200;
  };
  if (auto r = supervisor_.start(*ngx, healthy, kStartDeadline); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

std::expected<void, std::string> ReplicaSet::enable(std::uint32_t slot) {
  const auto port = options_.via_fault_proxy ? ports_.replica_proxy(slot) : ports_.replica(slot);
  if (auto r = api_.set_server_addr(kBackend, slot_name(slot), "127.0.0.1", port); !r) return r;
  return api_.set_server_state(kBackend, slot_name(slot), ServerAdminState::kReady);
}

std::expected<void, std::string> ReplicaSet::stop(std::uint32_t slot) {
  if (auto r = supervisor_.stop(nginx_name(slot)); !r) return r;
  return supervisor_.stop(fpm_name(slot));
}

std::expected<std::uint32_t, std::string> ReplicaSet::add() {
  std::uint32_t slot = 1;
  while (std::find(active_.begin(), active_.end(), slot) != active_.end()) ++slot;
  if (slot > options_.max_replicas) {
    return std::unexpected("stack: all " + std::to_string(options_.max_replicas) +
                           " replica slots are in use");
  }
  if (auto r = start(slot); !r) return std::unexpected(r.error());
  if (auto r = enable(slot); !r) return std::unexpected(r.error());
  active_.insert(std::upper_bound(active_.begin(), active_.end(), slot), slot);
  return slot;
}

std::expected<void, std::string> ReplicaSet::remove(milliseconds drain_deadline) {
  if (active_.empty()) return std::unexpected("stack: no replica to remove");
  const auto slot = active_.back();
  const auto name = slot_name(slot);
  // No request may be lost: stop new ones, let current ones finish, only then stop nginx.
  if (auto r = api_.set_server_state(kBackend, name, ServerAdminState::kDrain); !r) return r;
  const auto deadline = std::chrono::steady_clock::now() + drain_deadline;
  // A drain that never finishes (a hung request) must not leave the slot draining forever:
  // remove it anyway, and say that sessions were cut.
  const auto drained = api_.wait_sessions_zero(kBackend, name, deadline);
  if (auto r = api_.set_server_state(kBackend, name, ServerAdminState::kMaint); !r) return r;
  active_.pop_back();
  if (auto r = stop(slot); !r) return r;
  if (!drained) return std::unexpected("stack: removed " + name + " anyway: " + drained.error());
  return {};
}

std::expected<void, std::string> ReplicaSet::replace(std::uint32_t slot) {
  if (std::find(active_.begin(), active_.end(), slot) == active_.end()) {
    return std::unexpected("stack: slot " + std::to_string(slot) + " holds no replica");
  }
  if (auto r = api_.set_server_state(kBackend, slot_name(slot), ServerAdminState::kMaint); !r) {
    return r;
  }
  (void)stop(slot);  // what is left of it, if anything: a failed replica may be half gone
  if (auto r = start(slot); !r) return r;
  return enable(slot);
}

}  // namespace lg::stack
