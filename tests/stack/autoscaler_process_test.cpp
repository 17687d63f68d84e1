// loadgen-autoscaler for real: MariaDB and HAProxy started here by a Supervisor, then the
// autoscaler executable, which starts its own replicas (nginx + PHP-FPM) through the runtime API.
// Tagged [stack] (ctest label "stack"). Every process started here is stopped on every path:
// the Supervisor's destructor stops the autoscaler (which stops its replicas) and the services,
// and a guard stops whatever the run directory still records (pids and pids.autoscaler).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "stack/boost_process_runner.h"
#include "stack/haproxy_api.h"
#include "stack/http_probe.h"
#include "stack/layout.h"
#include "stack/proc_stat.h"
#include "stack/replica_set.h"
#include "stack/run_dir.h"
#include "stack/services.h"
#include "stack/supervisor.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace {

using namespace lg::stack;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;

std::optional<std::string> server_status(const HaproxyApi& api, const std::string& name) {
  auto stats = api.show_stat(lg::stack::kBackend);
  if (!stats) return std::nullopt;
  for (const auto& row : *stats) {
    if (row.server == name) return row.status;
  }
  return std::nullopt;
}

// Stops whatever the run directory still records, whatever happened to the test.
struct RecordedGuard {
  std::filesystem::path dir;
  ~RecordedGuard() { (void)lg::stack::stop_recorded(dir, 2000ms); }
};

std::vector<lg::stack::RecordedProcess> autoscaler_records(const Layout& layout) {
  std::vector<lg::stack::RecordedProcess> out;
  auto all = lg::stack::read_pids(layout.dir);
  REQUIRE(all.has_value());
  for (const auto& p : *all) {
    if (p.name.starts_with("nginx-") || p.name.starts_with("fpm-")) out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "loadgen-autoscaler: starts min replicas, serves /health and /metrics, recovers a "
    "killed replica, and stops them on SIGTERM",
    "[stack]") {
  TempDir root;
  auto bin = lg::stack::find_binaries();
  INFO((bin ? std::string() : bin.error()));
  REQUIRE(bin.has_value());
  auto dir = lg::stack::create_run_dir(root.path());
  REQUIRE(dir.has_value());
  const Layout layout{*dir};
  RecordedGuard guard{layout.dir};
  auto base = lg::stack::find_free_port_block(18000, Ports::kBlockSize, 200);
  REQUIRE(base.has_value());
  const Ports ports{*base};
  REQUIRE(lg::stack::prepare_run_dir(layout).has_value());
  auto db = lg::stack::prepare_mariadb(*bin, layout);
  INFO((db ? std::string() : db.error()));
  REQUIRE(db.has_value());

  lg::stack::BoostProcessRunner runner;
  lg::stack::SupervisorOptions so;
  so.exit_status = [&runner](int pid) { return runner.exit_status(pid); };
  lg::stack::Supervisor sup(runner, layout, so);
  auto mariadb = lg::stack::mariadb_spec(*bin, layout, ports);
  REQUIRE(mariadb.has_value());
  auto started = sup.start(
      *mariadb, [&layout] { return lg::stack::mariadb_ready(layout); }, 30s);
  INFO((started ? std::string() : started.error()));
  REQUIRE(started.has_value());
  auto haproxy = lg::stack::haproxy_spec(*bin, layout, ports, 3);
  REQUIRE(haproxy.has_value());
  const HaproxyApi api(layout.haproxy_socket());
  started = sup.start(
      *haproxy, [&api] { return api.show_info().has_value(); }, 10s);
  INFO((started ? std::string() : started.error()));
  REQUIRE(started.has_value());

  lg::stack::ProcessSpec spec;
  spec.name = "autoscaler";
  spec.argv = {LG_AUTOSCALER_BINARY,
               "--run-dir",
               layout.dir.string(),
               "--base-port",
               std::to_string(ports.base),
               "--min",
               "2",
               "--max",
               "3",
               "--fpm-children",
               "2",
               "--check-interval",
               "1s",
               "--window",
               "2s",
               "--cooldown",
               "2s",
               "--stabilization",
               "2s"};
  spec.log = layout.logs() / "autoscaler.log";
  spec.cwd = layout.dir;
  spec.stop_signal = SIGTERM;
  spec.stop_timeout = 20s;
  const auto port = ports.autoscaler();
  const auto healthy = [port] {
    auto r = lg::stack::http_get("127.0.0.1", port, "/health", 500ms);
    return r && r->status == 200 && r->body == "ok";
  };
  auto autoscaler = sup.start(spec, healthy, 60s);
  INFO((autoscaler ? std::string() : autoscaler.error()));
  REQUIRE(autoscaler.has_value());
  INFO("autoscaler log:\n" << lg::stack::log_tail(spec.log, 40));

  // /health answers once min replicas serve: both UP in HAProxy (checked by HAProxy itself).
  for (const char* name : {"web1", "web2"}) {
    CHECK(wait_until([&] { return server_status(api, name) == "UP"; }, 10s));
  }
  CHECK(server_status(api, "web3") == "MAINT");
  auto metrics = lg::stack::http_get("127.0.0.1", port, "/metrics", 2000ms);
  REQUIRE(metrics.has_value());
  CHECK(metrics->status == 200);
  CHECK_THAT(metrics->body, Catch::Contains("loadgen_autoscaler_replicas{kind=\"current\"} 2\n"));
  // Through HAProxy, the app answers from the autoscaler's replicas.
  auto item = lg::stack::http_get("127.0.0.1", ports.haproxy(), "/api/item?id=1", 2000ms);
  REQUIRE(item.has_value());
  CHECK(item->status == 200);

  // Its replicas are recorded beside the run's own processes.
  auto replicas = autoscaler_records(layout);
  CHECK(replicas.size() == 4);  // fpm-1, nginx-1, fpm-2, nginx-2
  CHECK(std::filesystem::exists(layout.dir / "pids.autoscaler"));

  // A replica killed outright is replaced (a recovery, not a scale event).
  int nginx2 = -1;
  for (const auto& p : replicas) {
    if (p.name == "nginx-2") nginx2 = p.pid;
  }
  REQUIRE(nginx2 > 0);
  ::kill(-nginx2, SIGKILL);
  const auto events = layout.dir / "autoscaler" / "events.jsonl";
  CHECK(wait_until(
      [&] {
        return lg::test::read_file(events).find("\"type\":\"recovery\"") != std::string::npos;
      },
      20s));
  CHECK(wait_until([&] { return server_status(api, "web2") == "UP"; }, 10s));
  CHECK(lg::test::read_file(events).find("\"slot\":2") != std::string::npos);
  CHECK(lg::test::read_file(events).find("web2: nginx exited") != std::string::npos);
  metrics = lg::stack::http_get("127.0.0.1", port, "/metrics", 2000ms);
  REQUIRE(metrics.has_value());
  CHECK_THAT(metrics->body, Catch::Contains("loadgen_autoscaler_recoveries_total 1\n"));
  CHECK_THAT(metrics->body, Catch::Contains("{direction=\"up\"} 0\n"));
  replicas = autoscaler_records(layout);  // the replacement's pids
  REQUIRE(replicas.size() == 4);

  // SIGTERM: it stops its replicas and exits 0.
  REQUIRE(sup.stop("autoscaler").has_value());
  const auto status = runner.exit_status(autoscaler->pid);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  for (const auto& p : replicas) {
    INFO(p.name << " pid " << p.pid);
    CHECK(lg::stack::live_group_members(p.pid).empty());
  }
  CHECK(autoscaler_records(layout).empty());
  CHECK(server_status(api, "web1") == "MAINT");  // taken out of HAProxy before being stopped
  CHECK(server_status(api, "web2") == "MAINT");
  CHECK_THAT(lg::test::read_file(spec.log), Catch::Contains("] decision "));
  REQUIRE(sup.stop_all().has_value());
}
