// HAProxy runtime API client: parsing of captured HAProxy 2.6.12 replies ([unit]), the client
// against fake unix-socket peers ([unit]), and a real HAProxy ([stack]).
//
// Fixtures in tests/data/haproxy/ were captured from HAProxy 2.6.12-1+deb12u4 started by hand
// with tests/data/haproxy/capture.cfg (see the README there). Tests run from the source root.
#include "stack/haproxy_api.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stack/http_probe.h"
#include "tests/stack/tiny_http_server.h"
#include "tests/support/fake_stats_socket.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

extern char** environ;

namespace {

using lg::stack::HaproxyApi;
using lg::stack::ServerAdminState;
using lg::stack::ServerHealth;
using lg::stack::ServerStat;
using lg::stack::StatRowKind;
using namespace lg::test;  // the shared helpers of tests/support
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string read_fixture(const std::string& name) {
  const std::filesystem::path path = std::filesystem::path("tests/data/haproxy") / name;
  std::ifstream in(path, std::ios::binary);
  INFO("fixture " << path << " (tests run from the source root)");
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const ServerStat& row(const std::vector<ServerStat>& rows, const std::string& server) {
  const auto it =
      std::ranges::find_if(rows, [&](const ServerStat& s) { return s.server == server; });
  INFO("row " << server);
  REQUIRE(it != rows.end());
  return *it;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// parse_show_stat on captured output

TEST_CASE("parse_show_stat: fresh server-template slots are MAINT at port 1", "[unit]") {
  // Full `show stat` (no filter): a frontend row, four template slots, the backend row.
  const auto rows = lg::stack::parse_show_stat(read_fixture("show_stat_initial.csv"));
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 6);

  const auto& fe = (*rows)[0];
  CHECK(fe.proxy == "fe");
  CHECK(fe.server == "FRONTEND");
  CHECK(fe.kind == StatRowKind::kFrontend);
  CHECK(fe.status == "OPEN");
  CHECK(fe.econ == 0);  // empty field for a frontend reads as 0
  CHECK(fe.addr.empty());

  for (int i = 1; i <= 4; ++i) {
    const auto& s = (*rows)[static_cast<std::size_t>(i)];
    CHECK(s.proxy == "be_web");
    CHECK(s.server == "web" + std::to_string(i));
    CHECK(s.kind == StatRowKind::kServer);
    CHECK_FALSE(s.is_backend());
    CHECK(s.status == "MAINT");
    CHECK(s.weight == 1);
    CHECK(s.check_status.empty());
    CHECK(s.scur == 0);
    CHECK(s.stot == 0);
    CHECK(s.addr == "127.0.0.1:1");
  }
  const auto& be = (*rows)[5];
  CHECK(be.server == "BACKEND");
  CHECK(be.is_backend());
  CHECK(be.status == "DOWN");
  CHECK(be.weight == 0);
}

TEST_CASE("parse_show_stat: UP, DRAIN, DOWN and MAINT with their counters", "[unit]") {
  // `show stat be_web 6 -1` after traffic: web1 UP, web2 drained, web3 pointed at a dead port,
  // web4 never enabled.
  const auto rows = lg::stack::parse_show_stat(read_fixture("show_stat_states.csv"));
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 5);

  const auto& web1 = row(*rows, "web1");
  CHECK(web1.status == "UP");
  CHECK(web1.check_status == "L7OK");
  CHECK(web1.stot == 5);
  CHECK(web1.hrsp == std::array<std::uint64_t, 5>{0, 5, 0, 0, 0});
  CHECK(web1.rtime == 3);
  CHECK(web1.addr == "127.0.0.1:18951");

  const auto& web2 = row(*rows, "web2");
  CHECK(web2.status == "DRAIN");
  CHECK(web2.weight == 1);  // the row keeps its weight; the BACKEND total drops it (below)
  CHECK(web2.stot == 6);
  CHECK(web2.hrsp[3] == 1);  // one 404

  const auto& web3 = row(*rows, "web3");
  CHECK(web3.status == "DOWN");
  CHECK(web3.check_status == "L4CON");

  const auto& web4 = row(*rows, "web4");
  CHECK(web4.status == "MAINT");
  CHECK(web4.check_status.empty());

  const auto& be = row(*rows, "BACKEND");
  CHECK(be.is_backend());
  CHECK(be.status == "UP");
  CHECK(be.weight == 1);
  CHECK(be.stot == 11);
  CHECK(be.hrsp[1] == 10);
}

TEST_CASE("parse_show_stat: 'UP 1/2' right after state ready, before the first check", "[unit]") {
  const auto rows = lg::stack::parse_show_stat(read_fixture("show_stat_just_ready.csv"));
  REQUIRE(rows.has_value());
  const auto& web4 = row(*rows, "web4");
  CHECK(web4.status == "UP 1/2");
  CHECK(web4.check_status == "INI");
  CHECK(web4.addr == "127.0.0.1:18952");
  CHECK(row(*rows, "BACKEND").weight == 2);  // the not-yet-checked slot already counts
}

TEST_CASE("parse_show_stat: sessions, queue, rate and rtime under load", "[unit]") {
  // web4 limited to maxconn 2 with 6 slow requests in flight: 2 sessions on the server,
  // the other 4 queued on the BACKEND row (round-robin requests are not bound to a server).
  const auto rows = lg::stack::parse_show_stat(read_fixture("show_stat_busy.csv"));
  REQUIRE(rows.has_value());
  const auto& web4 = row(*rows, "web4");
  CHECK(web4.scur == 2);
  CHECK(web4.qcur == 0);
  CHECK(web4.stot == 8);
  CHECK(web4.rate == 2);
  CHECK(web4.rtime == 1512);
  const auto& web2 = row(*rows, "web2");
  CHECK(web2.weight == 0);
  CHECK(web2.status == "UP");
  const auto& be = row(*rows, "BACKEND");
  CHECK(be.qcur == 4);
  CHECK(be.scur == 6);
  CHECK(be.rate == 6);
}

TEST_CASE("parse_show_stat: columns are found by name, not position", "[unit]") {
  // A reordered header with an unknown extra column, a quoted field and no type column.
  const std::string csv =
      "# svname,extra,pxname,status,weight,check_status,qcur,scur,stot,econ,eresp,wretr,wredis,"
      "hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,rate,rtime,\n"
      "web9,\"a,\"\"b\",be_x,UP,7,L7OK,1,2,3,4,5,6,7,8,9,10,11,12,13,14,\n"
      "BACKEND,,be_x,UP,7,,0,2,3,4,5,6,7,8,9,10,11,12,13,14,\n"
      "\n";
  const auto rows = lg::stack::parse_show_stat(csv);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  const auto& s = (*rows)[0];
  CHECK(s.proxy == "be_x");
  CHECK(s.server == "web9");
  CHECK(s.kind == StatRowKind::kServer);
  CHECK(s.weight == 7);
  CHECK(s.qcur == 1);
  CHECK(s.scur == 2);
  CHECK(s.stot == 3);
  CHECK(s.econ == 4);
  CHECK(s.eresp == 5);
  CHECK(s.wretr == 6);
  CHECK(s.wredis == 7);
  CHECK(s.hrsp == std::array<std::uint64_t, 5>{8, 9, 10, 11, 12});
  CHECK(s.rate == 13);
  CHECK(s.rtime == 14);
  CHECK(s.addr.empty());           // no addr column: left empty
  CHECK((*rows)[1].is_backend());  // no type column: recognised by its name
}

TEST_CASE("parse_show_stat: stops at the blank line that ends a reply block", "[unit]") {
  // `show stat be_web 6 -1; show info` puts two blocks in one reply.
  std::string two = read_fixture("show_stat_states.csv") + read_fixture("show_info.txt");
  const auto rows = lg::stack::parse_show_stat(two);
  REQUIRE(rows.has_value());
  CHECK(rows->size() == 5);
}

TEST_CASE("parse_show_stat: malformed input is an error, not a guess", "[unit]") {
  const std::string good = read_fixture("show_stat_states.csv");
  const auto header_end = good.find('\n');
  const std::string header = good.substr(0, header_end + 1);
  const std::string first_row =
      good.substr(header_end + 1, good.find('\n', header_end + 1) - header_end);

  SECTION("empty") {
    const auto r = lg::stack::parse_show_stat("");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("empty"));
  }
  SECTION("an error reply instead of CSV") {
    const auto r = lg::stack::parse_show_stat("No such proxy.\n\n");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("No such proxy."));
  }
  SECTION("a required column missing") {
    std::string h = header;
    h.replace(h.find(",scur,"), 6, ",xcur,");
    const auto r = lg::stack::parse_show_stat(h + first_row);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("'scur' missing"));
  }
  SECTION("a truncated row") {
    const auto r = lg::stack::parse_show_stat(header + first_row.substr(0, 40) + "\n");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("line 2") && Catch::Contains("fields"));
  }
  SECTION("a counter that is not a number") {
    std::string r1 = first_row;  // be_web,web1,0,0,0,... : scur is the 5th field
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) pos = r1.find(',', pos) + 1;
    r1.replace(pos, 1, "x7");
    const auto r = lg::stack::parse_show_stat(header + r1);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("scur='x7'"));
  }
  SECTION("a negative counter") {
    std::string r1 = first_row;
    std::size_t pos = 0;
    for (int i = 0; i < 7; ++i) pos = r1.find(',', pos) + 1;  // stot
    r1.replace(pos, 1, "-5");
    const auto r = lg::stack::parse_show_stat(header + r1);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("stot"));
  }
  SECTION("an unknown row type") {
    const std::string csv =
        "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,weight,check_status,"
        "hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,rate,rtime,type,\n"
        "be,s1,0,0,0,0,0,0,0,UP,1,L7OK,0,0,0,0,0,0,0,9,\n";
    const auto r = lg::stack::parse_show_stat(csv);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("type"));
  }
}

TEST_CASE("parse_show_info: fields of a captured reply, error texts rejected", "[unit]") {
  const auto info = lg::stack::parse_show_info(read_fixture("show_info.txt"));
  REQUIRE(info.has_value());
  CHECK(info->at("Name") == "HAProxy");
  CHECK(info->at("Version") == "2.6.12-1+deb12u4");
  CHECK(info->at("Nbthread") == "2");
  CHECK(info->at("Maxconn") == "256");
  CHECK(info->at("Ulimit-n") == "544");        // a dash in the key
  CHECK(info->at("Unstoppable Jobs") == "0");  // a space in the key
  CHECK(info->count("Pid") == 1);

  CHECK_FALSE(lg::stack::parse_show_info("").has_value());
  CHECK_FALSE(lg::stack::parse_show_info("\n\n").has_value());
  CHECK_FALSE(lg::stack::parse_show_info(
                  "Unknown command, but maybe one of the following ones is a better match:\n"
                  "  add map [@<ver>] <map> <key> <val>      : add a map entry\n\n")
                  .has_value());
  CHECK_FALSE(lg::stack::parse_show_info(read_fixture("show_stat_states.csv")).has_value());
}

// ---------------------------------------------------------------------------------------------
// The client against fake peers on a unix socket: framing, errors, bounds.

namespace {

// Unix socket paths must fit in 108 bytes: scratch directories go right under /tmp.
TempDir socket_dir() {
  return TempDir("lg-hapi-test", "/tmp");
}

}  // namespace

TEST_CASE("HaproxyApi: missing and stale sockets are errors", "[unit]") {
  TempDir dir = socket_dir();
  const auto sock = dir.path() / "admin.sock";
  SECTION("no socket file") {
    const auto r = HaproxyApi(sock).show_info();
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("does not exist") && Catch::Contains(sock.string()));
  }
  SECTION("a socket file nobody listens on (left by an HAProxy that exited)") {
    {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un sa{};
      sa.sun_family = AF_UNIX;
      std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock.c_str());
      REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
      ::close(fd);  // the file stays
    }
    REQUIRE(std::filesystem::exists(sock));
    const auto r = HaproxyApi(sock).command("show info");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("refused"));
  }
  SECTION("a path too long for sun_path") {
    const auto r = HaproxyApi(dir.path() / std::string(120, 'x')).command("show info");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("longer than"));
  }
}

TEST_CASE("HaproxyApi: one line out, the reply up to EOF back", "[unit]") {
  TempDir dir = socket_dir();
  FakeStatsSocket cli(
      dir.path() / "admin.sock", [](const std::string& line) -> std::optional<std::string> {
        if (line == "show info") return "Name: HAProxy\nPid: 42\n\n";
        if (line.starts_with("show stat")) return "No such proxy.\n\n";
        if (line.ends_with("state ready")) return "\n";
        if (line.ends_with("state drain")) return "No such server.\n\n";
        if (line.find(" addr ") != std::string::npos && line.ends_with("port 8080")) {
          return "no need to change the addr, port changed from '1' to '8080' by 'stats socket "
                 "command'\n\n";
        }
        if (line.find(" addr ") != std::string::npos) {
          return "no need to change the addr, problem converting port 'x' to an int by 'stats "
                 "socket command'\n\n";
        }
        return "Unknown command.\n\n";
      });
  const HaproxyApi api(dir.path() / "admin.sock", 1000ms);

  const auto info = api.show_info();
  REQUIRE(info.has_value());
  CHECK(info->at("Pid") == "42");

  const auto raw = api.command("help me");
  REQUIRE(raw.has_value());
  CHECK(*raw == "Unknown command.\n\n");  // a raw command returns error texts as they are

  const auto stat = api.show_stat("be_web");
  REQUIRE_FALSE(stat.has_value());
  CHECK_THAT(stat.error(), Catch::Contains("No such proxy."));

  CHECK(api.set_server_state("be_web", "web1", ServerAdminState::kReady).has_value());
  const auto drain = api.set_server_state("be_web", "web1", ServerAdminState::kDrain);
  REQUIRE_FALSE(drain.has_value());
  CHECK_THAT(drain.error(), Catch::Contains("No such server."));

  CHECK(api.set_server_addr("be_web", "web1", "127.0.0.1", 8080).has_value());
  const auto bad_port = api.set_server_addr("be_web", "web1", "127.0.0.1", 8081);
  REQUIRE_FALSE(bad_port.has_value());  // "no need to change the addr, problem ..." is a refusal
  CHECK_THAT(bad_port.error(), Catch::Contains("problem converting port"));

  const auto lines = cli.lines();
  CHECK(lines == std::vector<std::string>{"show info", "help me", "show stat be_web 6 -1",
                                          "set server be_web/web1 state ready",
                                          "set server be_web/web1 state drain",
                                          "set server be_web/web1 addr 127.0.0.1 port 8080",
                                          "set server be_web/web1 addr 127.0.0.1 port 8081"});
}

TEST_CASE("HaproxyApi: bad arguments are refused before any I/O", "[unit]") {
  TempDir dir = socket_dir();
  FakeStatsSocket cli(dir.path() / "admin.sock",
                      [](const std::string&) { return std::string("\n"); });
  const HaproxyApi api(dir.path() / "admin.sock");
  CHECK_FALSE(api.command("show info\nshutdown frontend fe").has_value());
  CHECK_FALSE(api.command("").has_value());
  CHECK_FALSE(
      api.set_server_state("be_web", "web1; shutdown", ServerAdminState::kMaint).has_value());
  CHECK_FALSE(api.set_server_state("be web", "web1", ServerAdminState::kMaint).has_value());
  CHECK_FALSE(api.set_server_addr("be_web", "web1", "localhost", 80).has_value());
  CHECK_FALSE(api.set_server_addr("be_web", "web1", "127.0.0.1", 0).has_value());
  CHECK_FALSE(api.show_stat("").has_value());
  CHECK(cli.lines().empty());
  CHECK(api.set_server_addr("be_web", "web1", "::1", 80).has_value() == false);  // "\n" reply
  CHECK(cli.lines().size() == 1);  // an IPv6 literal is accepted and sent
}

TEST_CASE("HaproxyApi: a peer that never answers costs one timeout", "[unit]") {
  TempDir dir = socket_dir();
  FakeStatsSocket cli(
      dir.path() / "admin.sock",
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  const HaproxyApi api(dir.path() / "admin.sock", 200ms);
  const auto t0 = Clock::now();
  const auto r = api.command("show info");
  const auto took = Clock::now() - t0;
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Catch::Contains("within 200 ms"));
  CHECK(took >= 190ms);
  CHECK(took < 1500ms);
}

TEST_CASE("HaproxyApi: wait_sessions_zero polls until scur reaches 0, bounded", "[unit]") {
  // show stat replies with web1 at 2, 1, then 0 sessions.
  const std::string header =
      "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,weight,check_status,"
      "hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,rate,rtime,type,\n";
  auto reply_with = [&](int scur) {
    const std::string n = std::to_string(scur);
    return header + "be_web,web1,0," + n + ",9,0,0,0,0,DRAIN,1,L7OK,0,9,0,0,0,0,1,2,\n" +
           "be_web,BACKEND,0," + n + ",9,0,0,0,0,UP,1,,0,9,0,0,0,0,1,2,1\n\n";
  };
  TempDir dir = socket_dir();
  std::atomic<int> polls{0};
  FakeStatsSocket cli(dir.path() / "admin.sock",
                      [&](const std::string&) -> std::optional<std::string> {
                        const int n = polls++;
                        return reply_with(n >= 2 ? 0 : 2 - n);
                      });
  const HaproxyApi api(dir.path() / "admin.sock", 500ms);

  const auto t0 = Clock::now();
  REQUIRE(api.wait_sessions_zero("be_web", "web1", Clock::now() + 2s).has_value());
  CHECK(polls.load() == 3);
  CHECK(Clock::now() - t0 >= 40ms);  // two 20 ms pauses between the three polls

  const auto missing = api.wait_sessions_zero("be_web", "web7", Clock::now() + 1s);
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error(), Catch::Contains("no server be_web/web7"));
}

TEST_CASE("HaproxyApi: wait_sessions_zero reports the sessions left at the deadline", "[unit]") {
  TempDir dir = socket_dir();
  FakeStatsSocket cli(
      dir.path() / "admin.sock", [](const std::string&) -> std::optional<std::string> {
        return "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,weight,check_status,"
               "hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,rate,rtime,\n"
               "be_web,web1,1,3,9,0,0,0,0,DRAIN,1,L7OK,0,9,0,0,0,0,1,2,\n\n";
      });
  const HaproxyApi api(dir.path() / "admin.sock", 500ms);
  const auto t0 = Clock::now();
  const auto r = api.wait_sessions_zero("be_web", "web1", Clock::now() + 100ms);
  const auto took = Clock::now() - t0;
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Catch::Contains("still 3 sessions and 1 queued"));
  CHECK(took >= 100ms);
  CHECK(took < 1000ms);
}

// ---------------------------------------------------------------------------------------------
// A real HAProxy 2.6.

namespace {

// A child started with posix_spawn in its own process group. The destructor (or stop()) sends
// SIGTERM to the group, waits up to 3 s, then SIGKILLs the group and reaps the child: nothing
// outlives the test, whichever way it ends.
class SpawnedProcess {
 public:
  SpawnedProcess(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);  // pgid = its own pid
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc == 0) pid_ = pid;
  }
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;
  ~SpawnedProcess() { stop(); }

  pid_t pid() const { return pid_; }

  // False once the child has exited (and been reaped).
  bool alive() {
    if (pid_ < 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop() {
    if (pid_ < 0) return;
    ::kill(-pid_, SIGTERM);
    int status = 0;
    if (lg::test::wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 3s,
                             lg::test::Poll{5ms})) {
      pid_ = -1;
      return;
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Polls show_stat until `pred` holds for `server`, up to `within`; returns the last row seen.
std::optional<ServerStat> wait_for(const HaproxyApi& api, const std::string& server,
                                   const std::function<bool(const ServerStat&)>& pred,
                                   std::chrono::milliseconds within) {
  std::optional<ServerStat> last;
  lg::test::wait_until(
      [&] {
        const auto rows = api.show_stat("be_web");
        if (!rows) return false;
        for (const auto& s : *rows) {
          if (s.server == server) last = s;
        }
        return last && pred(*last);
      },
      within, lg::test::Poll{10ms});
  return last;
}

// The current show stat row of be_web/<server>.
ServerStat current(const HaproxyApi& api, const std::string& server) {
  const auto rows = api.show_stat("be_web");
  INFO((rows ? std::string() : rows.error()));
  REQUIRE(rows.has_value());
  return row(*rows, server);
}

}  // namespace

TEST_CASE("haproxy api: a template slot goes ready, serves, drains and goes to maintenance",
          "[stack]") {
  const std::filesystem::path haproxy = "/usr/sbin/haproxy";
  {
    INFO("needs HAProxy: apt-get install -y haproxy");
    REQUIRE(std::filesystem::exists(haproxy));
  }

  TempDir dir = socket_dir();
  lg::stack::test::TinyHttpServer web;  // stands in for an nginx replica
  const auto fe_port = lg::stack::find_free_port_block(
      static_cast<std::uint16_t>(28000 + ::getpid() % 2000), 1, 500);
  REQUIRE(fe_port.has_value());
  const auto sock = dir.path() / "admin.sock";
  const auto cfg = dir.path() / "haproxy.cfg";
  {
    std::ofstream out(cfg);
    out << "global\n"
        << "  stats socket " << sock.string() << " mode 600 level admin\n"
        << "  stats timeout 30s\n"
        << "  maxconn 256\n"
        << "defaults\n"
        << "  mode http\n"
        << "  retries 2\n"
        << "  option redispatch 1\n"
        << "  timeout connect 2s\n"
        << "  timeout client 30s\n"
        << "  timeout server 30s\n"
        << "  timeout check 1s\n"
        << "frontend fe\n"
        << "  bind 127.0.0.1:" << *fe_port << "\n"
        << "  default_backend be_web\n"
        << "backend be_web\n"
        << "  balance roundrobin\n"
        << "  option httpchk GET /health\n"
        << "  http-check expect status 200\n"
        << "  default-server inter 1s fall 2 rise 1\n"
        << "  server-template web 1-4 127.0.0.1:1 check disabled\n";
  }
  const auto log = dir.path() / "haproxy.log";
  SpawnedProcess proc({haproxy.string(), "-db", "-f", cfg.string()}, log);
  REQUIRE(proc.pid() > 0);

  const HaproxyApi api(sock, 2000ms);
  {
    // Ready when the CLI answers (the socket file alone proves nothing).
    std::expected<std::map<std::string, std::string>, std::string> info =
        std::unexpected("not polled");
    lg::test::wait_until(
        [&] {
          if (!proc.alive()) return true;  // it will not answer: the log says why
          info = api.show_info();
          return info.has_value();
        },
        5s, lg::test::Poll{10ms});
    INFO("haproxy log:\n" << lg::test::read_file(log));
    REQUIRE(info.has_value());
    CHECK(info->at("Pid") == std::to_string(proc.pid()));
  }

  auto get = [&](const std::string& path) {
    return lg::stack::http_get("127.0.0.1", *fe_port, path, 3000ms);
  };

  // All slots start in MAINT: the frontend has nowhere to send a request.
  {
    const auto rows = api.show_stat("be_web");
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 5);
    for (const auto& s : *rows) {
      if (!s.is_backend()) CHECK(s.status == "MAINT");
    }
    CHECK(rows->back().is_backend());
    const auto r = get("/");
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
  }

  // Point web1 at the replica and set it ready: requests succeed, the check turns L7OK.
  REQUIRE(api.set_server_addr("be_web", "web1", "127.0.0.1", web.port()).has_value());
  REQUIRE(api.set_server_state("be_web", "web1", ServerAdminState::kReady).has_value());
  {
    const auto r = get("/");
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "ok\n");
  }
  const auto up = wait_for(
      api, "web1", [](const ServerStat& s) { return s.status == "UP" && s.check_status == "L7OK"; },
      3000ms);
  REQUIRE(up.has_value());
  CHECK(up->status == "UP");
  CHECK(up->check_status == "L7OK");
  CHECK(up->addr == "127.0.0.1:" + std::to_string(web.port()));
  {
    const auto before = current(api, "web1").stot;
    for (int i = 0; i < 3; ++i) {
      const auto r = get("/item");
      REQUIRE(r.has_value());
      CHECK(r->status == 200);
    }
    const auto after = current(api, "web1").stot;
    CHECK(after >= before + 3);  // health checks are not sessions: exactly +3 in practice
  }

  // A slow request holds a session on web1; meanwhile web2 comes up and web1 is drained.
  std::optional<std::expected<lg::stack::HttpReply, std::string>> slow;
  std::jthread slow_client([&] { slow = get("/slow?ms=700"); });
  const auto busy = wait_for(
      api, "web1", [](const ServerStat& s) { return s.scur >= 1; }, 2000ms);
  REQUIRE(busy.has_value());
  REQUIRE(busy->scur == 1);

  REQUIRE(api.set_server_addr("be_web", "web2", "127.0.0.1", web.port()).has_value());
  REQUIRE(api.set_server_state("be_web", "web2", ServerAdminState::kReady).has_value());
  REQUIRE(api.set_server_state("be_web", "web1", ServerAdminState::kDrain).has_value());
  CHECK(current(api, "web1").status == "DRAIN");

  {
    // The session is still open: a short deadline is an error that says so.
    const auto early = api.wait_sessions_zero("be_web", "web1", Clock::now() + 60ms);
    REQUIRE_FALSE(early.has_value());
    CHECK_THAT(early.error(), Catch::Contains("still 1 sessions"));
  }
  {
    // New requests go to web2 only.
    const auto web1_before = current(api, "web1").stot;
    for (int i = 0; i < 4; ++i) {
      const auto r = get("/item");
      REQUIRE(r.has_value());
      CHECK(r->status == 200);
    }
    CHECK(current(api, "web1").stot == web1_before);
  }
  {
    const auto t0 = Clock::now();
    const auto drained = api.wait_sessions_zero("be_web", "web1", Clock::now() + 5s);
    INFO((drained ? std::string() : drained.error()));
    REQUIRE(drained.has_value());
    CHECK(Clock::now() - t0 < 2s);
  }
  slow_client.join();
  REQUIRE(slow.has_value());
  REQUIRE(slow->has_value());
  CHECK((*slow)->status == 200);  // the drained session finished normally

  REQUIRE(api.set_server_state("be_web", "web1", ServerAdminState::kMaint).has_value());
  CHECK(current(api, "web1").status == "MAINT");
  {
    const auto r = get("/item");
    REQUIRE(r.has_value());
    CHECK(r->status == 200);  // web2 still serves
  }

  // Forcing the health of a checked, UP server is accepted (an empty reply).
  CHECK(api.set_server_health("be_web", "web2", ServerHealth::kUp).has_value());

  // HAProxy's own refusals come back as errors.
  {
    const auto r = api.set_server_state("be_web", "web9", ServerAdminState::kReady);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("No such server."));
  }
  {
    const auto r = api.set_server_addr("be_nope", "web1", "127.0.0.1", 80);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("No such backend."));
  }
  {
    const auto r = api.show_stat("be_nope");
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("No such proxy."));
  }

  // After HAProxy exits its socket file stays behind, and the client says it is stale.
  proc.stop();
  {
    const auto r = api.show_info();
    REQUIRE_FALSE(r.has_value());
    if (std::filesystem::exists(sock)) {
      CHECK_THAT(r.error(), Catch::Contains("refused"));
    } else {
      CHECK_THAT(r.error(), Catch::Contains("does not exist"));
    }
  }
}
