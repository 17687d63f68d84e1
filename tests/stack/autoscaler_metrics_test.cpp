// The autoscaler's inputs: deltas between two snapshots (pure), CPU time from /proc, and
// MetricsSource against a fake HAProxy CLI socket. No real stack.
#include "stack/autoscaler/metrics.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stack/proc_stat.h"
#include "tests/support/fake_stats_socket.h"
#include "tests/support/temp_dir.h"

namespace {

namespace as = lg::stack::autoscaler;
using Catch::Detail::Approx;
using lg::stack::ServerStat;
using lg::stack::StatRowKind;
using namespace lg::test;  // the shared helpers of tests/support
using namespace std::chrono_literals;

ServerStat server(const std::string& name, const std::string& status, std::uint64_t stot,
                  const std::string& check = "L7OK") {
  ServerStat s;
  s.proxy = "be_web";
  s.server = name;
  s.kind = StatRowKind::kServer;
  s.status = status;
  s.check_status = check;
  s.stot = stot;
  return s;
}

ServerStat backend(std::uint64_t ok, std::uint64_t errors_5xx, std::uint64_t rtime,
                   std::uint64_t qcur) {
  ServerStat s;
  s.proxy = "be_web";
  s.server = "BACKEND";
  s.kind = StatRowKind::kBackend;
  s.status = "UP";
  s.hrsp = {0, ok, 0, 0, errors_5xx};
  s.rtime = rtime;
  s.qcur = qcur;
  return s;
}

as::Snapshot::Replica rep(std::uint32_t slot, double cpu_s, bool alive = true) {
  return {slot, alive, cpu_s, alive ? "" : "nginx"};
}

}  // namespace

TEST_CASE("observe: the first snapshot gives health but no sample", "[autoscaler]") {
  as::Snapshot s;
  s.t_s = 0;
  s.stats = {server("web1", "UP", 10), server("web2", "DOWN", 0, "L4CON"),
             server("web3", "MAINT", 0, ""), backend(10, 0, 5, 0)};
  s.replicas = {rep(1, 1.0), {2, false, 0.5, "PHP-FPM"}};
  const auto o = as::observe(nullptr, s);
  CHECK_FALSE(o.sample.has_value());
  REQUIRE(o.replicas.size() == 2);
  CHECK(o.replicas[0].slot == 1);
  CHECK(o.replicas[0].status == "UP");
  CHECK(o.replicas[0].processes_alive);
  CHECK(o.replicas[1].status == "DOWN");
  CHECK(o.replicas[1].check_status == "L4CON");
  CHECK_FALSE(o.replicas[1].processes_alive);
  CHECK(o.replicas[1].gone == "PHP-FPM");
  // No time between the two snapshots: no rates either.
  CHECK_FALSE(as::observe(&s, s).sample.has_value());
}

TEST_CASE("observe: rates are deltas over the interval, per replica", "[autoscaler]") {
  as::Snapshot a;
  a.t_s = 10;
  a.stats = {server("web1", "UP", 100), server("web2", "UP", 100), server("web3", "MAINT", 7, ""),
             backend(200, 0, 30, 0)};
  a.replicas = {rep(1, 1.0), rep(2, 0.5)};
  as::Snapshot b;
  b.t_s = 12;
  b.stats = {server("web1", "UP", 300), server("web2", "UP 1/2", 260),
             server("web3", "MAINT", 7, ""), backend(550, 10, 42, 3)};
  b.replicas = {rep(1, 2.0), rep(2, 0.6)};
  const auto o = as::observe(&a, b);
  REQUIRE(o.sample.has_value());
  const auto& s = *o.sample;
  CHECK(s.t_s == 12);
  CHECK(s.rps_per_replica == Approx((200 + 160) / 2.0 / 2.0));  // 90 requests/s per replica
  CHECK(s.error_rate == Approx(10.0 / 360.0));                  // 5xx of all responses
  CHECK(s.response_ms == 42);                                   // BACKEND rtime now
  CHECK(s.queue == 3);                                          // BACKEND qcur now
  CHECK(s.replicas == 2);
  CHECK(s.healthy == 2);  // "UP" and "UP 1/2" (going down, still serving) are up
  // web1: 1 s of CPU in 2 s = 50 %; web2: 0.1 s in 2 s = 5 %; the mean over replicas.
  CHECK(s.cpu_percent == Approx((50.0 + 5.0) / 2));
}

TEST_CASE("observe: resets, new and dead replicas, no responses", "[autoscaler]") {
  as::Snapshot a;
  a.t_s = 0;
  a.stats = {server("web1", "UP", 1000), server("web2", "UP", 50), backend(900, 90, 10, 0)};
  a.replicas = {rep(1, 5.0), rep(2, 1.0)};
  as::Snapshot b;
  b.t_s = 4;
  SECTION("HAProxy restarted: counters went down, counted as no increment") {
    b.stats = {server("web1", "UP", 20), server("web2", "UP", 70), backend(10, 0, 10, 0)};
    b.replicas = a.replicas;
    const auto s = *as::observe(&a, b).sample;
    CHECK(s.rps_per_replica == Approx(20.0 / 4 / 2));  // web2 only
    CHECK(s.error_rate == 0);                          // no responses counted: 0, not NaN
    CHECK(s.cpu_percent == 0);
  }
  SECTION("a replica added or replaced meanwhile has no CPU delta yet; a dead one neither") {
    b.stats = a.stats;
    b.replicas = {rep(1, 6.0), rep(2, 0.1), rep(3, 0.3)};  // 2 replaced (its time restarted), 3 new
    CHECK(as::observe(&a, b).sample->cpu_percent == Approx(25.0));  // web1 alone: 1 s / 4 s
    b.replicas = {rep(1, 9.0, false), rep(2, 1.4)};
    CHECK(as::observe(&a, b).sample->cpu_percent == Approx(10.0));  // web2 alone
    CHECK(as::observe(&a, b).sample->replicas == 2);
  }
  SECTION("no replica: no division by zero") {
    b.stats = a.stats;
    const auto s = *as::observe(&a, b).sample;
    CHECK(s.replicas == 0);
    CHECK(s.rps_per_replica == 0);
    CHECK(s.cpu_percent == 0);
    CHECK(s.healthy == 2);  // servers UP in HAProxy, whoever started them
  }
}

TEST_CASE("observe: on rows parsed from a captured show stat", "[autoscaler]") {
  std::ifstream in("tests/data/haproxy/show_stat_busy.csv", std::ios::binary);
  INFO("tests run from the source root");
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  auto rows = lg::stack::parse_show_stat(text.str());
  REQUIRE(rows.has_value());
  as::Snapshot a;
  a.t_s = 1;
  for (auto r : *rows) {  // the same counters one interval earlier: all zero
    r.stot = 0;
    r.hrsp = {};
    a.stats.push_back(r);
  }
  as::Snapshot b;
  b.t_s = 2;
  b.stats = *rows;
  b.replicas = {rep(2, 0), rep(4, 0)};
  const auto o = as::observe(&a, b);
  REQUIRE(o.sample.has_value());
  // Servers' stot: web1 5 + web2 6 + web3 0 + web4 8 = 19 sessions in 1 s over 2 replicas.
  CHECK(o.sample->rps_per_replica == Approx(9.5));
  CHECK(o.sample->healthy == 2);  // web2 and web4 UP; web1 MAINT, web3 DOWN
  CHECK(o.sample->queue == 4);    // BACKEND qcur
  REQUIRE(o.replicas.size() == 2);
  CHECK(o.replicas[1].status == "UP");
  CHECK(o.replicas[1].check_status == "L7OK");
}

TEST_CASE("group_cpu_seconds: utime + stime of a process group's live members", "[autoscaler]") {
  // A child in its own process group, spinning.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::setpgid(0, 0);
    volatile std::uint64_t x = 0;
    while (true) x = x + 1;
  }
  ::setpgid(child, child);  // also from here: no race with the first measurement
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  const auto t0 = std::chrono::steady_clock::now();
  const double before = as::group_cpu_seconds({child});
  std::this_thread::sleep_for(300ms);
  const double after = as::group_cpu_seconds({child});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(after > before);
  CHECK(after - before <= wall + 0.05);                      // one thread: at most one core
  CHECK(as::group_cpu_seconds({child, -1, 0, 1}) >= after);  // pgid <= 1 is skipped
  const auto st = lg::stack::read_proc_stat(child);
  REQUIRE(st);
  CHECK(st->utime_ticks + st->stime_ticks > 0);
}

namespace {

constexpr const char* kHeader =
    "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,weight,type,rate,"
    "check_status,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,rtime,addr\n";

std::string csv(std::uint64_t web1_stot, std::uint64_t ok, std::uint64_t bad) {
  return std::string(kHeader) + "be_web,web1,0,0," + std::to_string(web1_stot) +
         ",0,0,0,0,UP,1,2,0,L7OK,0," + std::to_string(ok) + ",0,0," + std::to_string(bad) +
         ",12,127.0.0.1:18011\n" + "be_web,web2,0,0,0,0,0,0,0,MAINT,1,2,0,,0,0,0,0,0,0,\n" +
         "be_web,BACKEND,2,0," + std::to_string(web1_stot) + ",0,0,0,0,UP,1,1,0,,0," +
         std::to_string(ok) + ",0,0," + std::to_string(bad) + ",12,\n\n";
}

}  // namespace

TEST_CASE("MetricsSource: show stat through the socket, deltas between checks", "[autoscaler]") {
  TempDir dir;
  std::atomic<int> calls{0};
  std::atomic<bool> broken{false};
  FakeStatsSocket cli(dir.path() / "admin.sock", [&](const std::string& line) -> std::string {
    if (line != "show stat be_web 6 -1" || broken) return "No such proxy.\n\n";
    const int n = calls++;
    return csv(100u + 50u * static_cast<unsigned>(n), 90u + 45u * static_cast<unsigned>(n),
               5u * static_cast<unsigned>(n));
  });
  const lg::stack::HaproxyApi api(dir.path() / "admin.sock", 1000ms);
  as::MetricsSource source(api, [] {
    as::ReplicaProcesses r;
    r.slot = 1;  // no processes known: not alive, no CPU
    return std::vector<as::ReplicaProcesses>{r};
  });
  auto first = source.observe_at(0.0);
  REQUIRE(first.has_value());
  CHECK_FALSE(first->sample.has_value());
  REQUIRE(first->replicas.size() == 1);
  CHECK(first->replicas[0].status == "UP");
  CHECK_FALSE(first->replicas[0].processes_alive);

  auto second = source.observe_at(2.0);
  REQUIRE(second.has_value());
  REQUIRE(second->sample.has_value());
  CHECK(second->sample->rps_per_replica == Approx(25.0));  // 50 in 2 s, 1 replica
  CHECK(second->sample->error_rate == Approx(5.0 / 50.0));
  CHECK(second->sample->response_ms == 12);
  CHECK(second->sample->queue == 2);
  CHECK(second->sample->healthy == 1);

  broken = true;  // a failed check keeps the last snapshot: the next interval is longer
  CHECK_FALSE(source.observe_at(4.0).has_value());
  broken = false;
  auto fourth = source.observe_at(6.0);
  REQUIRE(fourth.has_value());
  CHECK(fourth->sample->rps_per_replica == Approx(50.0 / 4.0));
}
