// The embedded stack for real: HAProxy, nginx, PHP-FPM and MariaDB as child processes on
// 127.0.0.1, driven by the real engine at bounded rates. Tagged [stack] (ctest label "stack").
#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "loadgen/engine/coordinator.h"
#include "stack/embedded_stack.h"
#include "stack/http_probe.h"
#include "stack/proc_stat.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

extern char** environ;

namespace {

using namespace lg::stack;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;

constexpr std::int64_t kMs = 1'000'000;

std::unique_ptr<EmbeddedStack> bring_up(const TempDir& root, std::uint32_t replicas = 2) {
  StackOptions o;
  o.replicas = replicas;
  o.max_replicas = 4;
  o.root = root.path();
  auto s = EmbeddedStack::up(o);
  INFO((s ? std::string() : s.error()));
  REQUIRE(s.has_value());
  return std::move(*s);
}

lg::RunPlan plan_for(const EmbeddedStack& s, const std::string& path, double rate,
                     std::int64_t duration_ns) {
  lg::RunPlan plan;
  plan.target.port = s.ports().haproxy();
  plan.requests[0].path = path;
  plan.threads = 1;
  plan.timeout_ns = 5000 * kMs;
  plan.steps = {{"steady", 0, rate, rate, duration_ns, false}};
  return plan;
}

// Runs the engine on its own thread; the test thread acts on the stack meanwhile.
std::future<lg::RunResult> run_async(const lg::RunPlan& plan) {
  return std::async(std::launch::async, [plan] {
    lg::engine::RunHooks hooks;
    hooks.handle_signals = false;
    lg::RunResult out;
    if (auto r = lg::engine::run(plan, hooks)) out = std::move(*r);
    return out;
  });
}

std::optional<ServerStat> server(const EmbeddedStack& s, const std::string& name) {
  auto stats = s.api().show_stat(lg::stack::kBackend);
  if (!stats) return std::nullopt;
  for (const auto& row : *stats) {
    if (row.server == name) return row;
  }
  return std::nullopt;
}

std::uint64_t backend_total(const EmbeddedStack& s) {
  auto stats = s.api().show_stat(lg::stack::kBackend);
  if (!stats) return 0;
  for (const auto& row : *stats) {
    if (row.is_backend()) return row.stot;
  }
  return 0;
}

// Every process whose command line names `dir`, plus every live member of the recorded
// process groups: what must be empty after a teardown (workers do not name the run dir).
std::vector<int> leftovers(const std::filesystem::path& dir, const std::set<int>& groups) {
  std::vector<int> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    const auto st = lg::stack::read_proc_stat(pid);
    if (!st || st->state == 'Z') continue;
    const std::string cmdline = lg::test::read_file(e.path() / "cmdline");
    if (cmdline.find(dir.string()) != std::string::npos || groups.contains(st->pgrp)) {
      found.push_back(pid);
    }
  }
  return found;
}

std::set<int> recorded_groups(const std::filesystem::path& dir) {
  std::set<int> groups;
  if (auto procs = lg::stack::read_pids(dir)) {
    for (const auto& p : *procs) groups.insert(p.pid);
  }
  return groups;
}

// Starts the loadgen binary on `scenario` (results into `out`) and returns its pid and the run
// directory its embedded stack made, once that directory exists.
std::pair<pid_t, std::filesystem::path> spawn_scenario_run(const std::filesystem::path& scenario,
                                                           const std::filesystem::path& out) {
  std::vector<std::string> args = {LOADGEN_BINARY, scenario.string(), "--quiet", "--out",
                                   out.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto before = lg::stack::list_runs();
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, LOADGEN_BINARY, nullptr, nullptr, argv.data(), environ) == 0);
  std::filesystem::path dir;
  REQUIRE(wait_until(
      [&] {
        for (const auto& d : lg::stack::list_runs()) {
          if (std::find(before.begin(), before.end(), d) == before.end()) dir = d;
        }
        return !dir.empty();
      },
      30s));
  return {pid, dir};
}

}  // namespace

TEST_CASE("embedded stack: the seeded row through HAProxy, and a write read back", "[stack]") {
  TempDir root;
  auto s = bring_up(root);
  CHECK(s->replicas() == std::vector<std::uint32_t>{1, 2});
  auto item = lg::stack::http_get("127.0.0.1", s->ports().haproxy(), "/api/item?id=42", 2000ms);
  REQUIRE(item.has_value());
  CHECK(item->status == 200);
  CHECK(item->body.find("\"id\":42") != std::string::npos);
  CHECK(item->body.find("item-00042") != std::string::npos);
  for (const char* name : {"web1", "web2"}) {
    CHECK(wait_until([&] { return server(*s, name) && server(*s, name)->status == "UP"; }));
  }
  CHECK(server(*s, "web3")->status == "MAINT");
  CHECK(s->down().has_value());
}

TEST_CASE("embedded stack: adding and removing a replica under load loses no request", "[stack]") {
  TempDir root;
  auto s = bring_up(root);
  auto run = run_async(plan_for(*s, "/api/item?id={{rand 1 10000}}", 100, 6000 * kMs));
  REQUIRE(wait_until([&] { return backend_total(*s) >= 100; }, 10s));
  auto added = s->add_replica();
  REQUIRE(added.has_value());
  CHECK(*added == 3);
  // The new replica takes its share of the traffic before it goes again.
  CHECK(wait_until([&] { return server(*s, "web3") && server(*s, "web3")->stot >= 20; }, 10s));
  REQUIRE(s->remove_replica().has_value());
  CHECK(server(*s, "web3")->status == "MAINT");
  CHECK(s->replicas() == std::vector<std::uint32_t>{1, 2});
  const auto r = run.get();
  CHECK(r.total.counters.scheduled == 600);
  CHECK(r.total.counters.completed == 600);
  CHECK(r.total.counters.failed() == 0);
  CHECK(r.total.counters.dropped == 0);
}

TEST_CASE("embedded stack: a replica killed with SIGKILL goes DOWN and requests go on", "[stack]") {
  TempDir root;
  auto s = bring_up(root);
  auto run = run_async(plan_for(*s, "/api/item?id=7", 100, 5000 * kMs));
  REQUIRE(wait_until([&] { return backend_total(*s) >= 100; }, 10s));
  int nginx1 = -1;
  for (const auto& p : s->supervisor().processes()) {
    if (p.name == "nginx-1") nginx1 = p.pid;
  }
  REQUIRE(nginx1 > 0);
  ::kill(-nginx1, SIGKILL);  // master and worker: the whole group
  CHECK(wait_until([&] { return server(*s, "web1")->status.starts_with("DOWN"); }, 10s));
  const auto after_down = server(*s, "web2")->stot;
  CHECK(wait_until([&] { return server(*s, "web2")->stot >= after_down + 50; }, 10s));
  const auto r = run.get();
  // Only a request on the wire to the killed nginx at that instant can fail; HAProxy
  // redispatches the connection failures that follow (retries 2 + option redispatch).
  CHECK(r.total.counters.failed() <= 2);
  CHECK(r.total.counters.completed + r.total.counters.failed() == 500);
}

TEST_CASE("embedded stack: after down no process of the run remains", "[stack]") {
  TempDir root;
  auto s = bring_up(root, 1);
  const auto dir = s->layout().dir;
  const auto groups = recorded_groups(dir);
  CHECK(groups.size() == 4);  // mariadb, fpm-1, nginx-1, haproxy
  CHECK_FALSE(leftovers(dir, groups).empty());
  REQUIRE(s->down().has_value());
  CHECK(leftovers(dir, groups).empty());
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("embedded stack: a SIGINT'ed scenario run tears the stack down, exits 130", "[stack]") {
  TempDir tmp;
  const auto scenario = tmp.path() / "short.json";
  lg::test::write_file(scenario, R"({"schema_version": 1, "name": "sigint",
    "stack": {"replicas": {"min": 1, "max": 2}},
    "requests": [{"path": "/api/item?id=1"}],
    "rate_per_user": "10/s", "steps": [{"users": 5, "duration": "60s"}]})");
  const auto out = tmp.path() / "out";
  const auto [pid, dir] = spawn_scenario_run(scenario, out);
  // Interrupt once requests flow through HAProxy (stack.info appears at the start of the
  // bring-up, so the processes are counted only then).
  const lg::stack::HaproxyApi api(lg::stack::Layout{dir}.haproxy_socket());
  REQUIRE(wait_until(
      [&] {
        auto stats = api.show_stat(lg::stack::kBackend);
        if (!stats) return false;
        for (const auto& row : *stats) {
          if (row.is_backend() && row.stot >= 20) return true;
        }
        return false;
      },
      30s));
  const auto groups = recorded_groups(dir);
  CHECK(groups.size() == 4);
  ::kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(std::filesystem::exists(out / "result.json"));
  CHECK(leftovers(dir, groups).empty());
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("embedded stack: SIGINT during a pause fault leaves nothing stopped or running",
          "[stack]") {
  TempDir tmp;
  const auto scenario = tmp.path() / "paused.json";
  lg::test::write_file(scenario, R"({"schema_version": 1, "name": "sigint-paused",
    "stack": {"replicas": {"min": 1, "max": 1}},
    "requests": [{"path": "/api/item?id=1"}],
    "rate_per_user": "10/s", "steps": [{"users": 2, "duration": "60s"}],
    "faults": [{"at": "1s", "kind": "pause", "target": "db", "duration": "50s"}]})");
  const auto out = tmp.path() / "out";
  const auto [pid, dir] = spawn_scenario_run(scenario, out);
  // Interrupt once MariaDB is stopped by the fault.
  int db = -1;
  REQUIRE(wait_until(
      [&, d = dir] {
        if (auto procs = lg::stack::read_pids(d)) {
          for (const auto& p : *procs) {
            if (p.name == "mariadb") db = p.pid;
          }
        }
        const auto st = db > 0 ? lg::stack::read_proc_stat(db) : std::nullopt;
        return st && st->state == 'T';
      },
      30s));
  const auto groups = recorded_groups(dir);
  ::kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(leftovers(dir, groups).empty());  // the paused MariaDB too: continued, then stopped
  CHECK_FALSE(std::filesystem::exists(dir));
  const auto result = nlohmann::json::parse(lg::test::read_file(out / "result.json"));
  const auto& actions = result["actions"];
  REQUIRE(actions.size() == 2);
  CHECK(actions[0]["kind"] == "pause");
  CHECK(actions[0]["ok"] == true);
  CHECK(actions[1]["kind"] == "resume");
  CHECK(actions[1]["fired_s"].is_null());  // the run ended first: the executor continued it
}

namespace {

// The stress-ng that `parent` started (a child of it), or -1.
int stress_ng_child_of(int parent) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    const auto st = lg::stack::read_proc_stat(pid);
    if (st && st->ppid == parent && lg::test::read_file(e.path() / "comm").starts_with("stress-ng"))
      return pid;
  }
  return -1;
}

}  // namespace

TEST_CASE("embedded stack: SIGINT during a cpu burn and a latency fault leaves neither behind",
          "[stack]") {
  TempDir tmp;
  const auto scenario = tmp.path() / "burning.json";
  lg::test::write_file(scenario, R"({"schema_version": 1, "name": "sigint-burning",
    "stack": {"replicas": {"min": 1, "max": 1}},
    "requests": [{"path": "/api/item?id=1"}],
    "rate_per_user": "10/s", "steps": [{"users": 2, "duration": "60s"}],
    "faults": [{"at": "1s", "kind": "latency", "target": "replica:1", "duration": "50s",
                "params": {"ms": 20}},
               {"at": "1s", "kind": "cpu", "duration": "50s", "params": {"cores": 1}}]})");
  const auto out = tmp.path() / "out";
  const auto [pid, dir] = spawn_scenario_run(scenario, out);
  int burn = -1;
  REQUIRE(wait_until([&, p = pid] { return (burn = stress_ng_child_of(p)) > 0; }, 30s));
  const auto groups = recorded_groups(dir);
  bool proxied = false;
  if (auto procs = lg::stack::read_pids(dir))
    for (const auto& p : *procs) proxied = proxied || p.name == "faultproxy";
  CHECK(proxied);  // a network fault: the stack put the proxy in
  ::kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(leftovers(dir, groups).empty());  // the fault proxy with the rest of the stack
  CHECK(::kill(-burn, 0) != 0);           // stress-ng and its workers: killed with the run
  const auto result = nlohmann::json::parse(lg::test::read_file(out / "result.json"));
  const auto& actions = result["actions"];
  REQUIRE(actions.size() == 4);
  for (std::size_t i : {0U, 1U}) {
    INFO(actions[i].dump());
    CHECK(actions[i]["ok"] == true);
  }
  CHECK(actions[2]["kind"] == "clear");
  CHECK(actions[2]["fired_s"].is_null());  // the run ended first: the executor stopped the burn
}
