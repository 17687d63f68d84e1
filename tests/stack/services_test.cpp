// The stack's services against the real binaries (label `stack`: needs haproxy, nginx,
// mariadb-server, php-fpm and php-mysql installed; loopback only; every wait bounded).
//
// The processes are started here with fork/exec, not the stack's Supervisor, so these tests
// check the configs and the app on their own. Each process gets its own group and
// PR_SET_PDEATHSIG; a guard stops every group on every path (nginx and FPM workers included),
// and the bring-up test checks /proc afterwards for anything left.
#include "stack/services.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "stack/services_util.h"
#include "tests/support/files.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace fs = std::filesystem;
using namespace lg::stack;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Catch::Matchers::Contains;
using namespace lg::test;  // the shared helpers of tests/support

namespace {

// A short path: unix socket paths must stay under 108 bytes.
TempDir short_tmp() {
  return TempDir("lgsvc", "/tmp");
}

long long ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Bindable the way the servers bind (SO_REUSEADDR: TIME_WAIT left by earlier tests is fine).
bool port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = loopback(port);
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool listening(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in a = loopback(port);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A port block whose first 16 ports are free, away from the default 18000 block so a stack
// someone else runs on this machine is left alone.
Ports free_ports() {
  const unsigned start = static_cast<unsigned>(::getpid()) % 150;
  for (unsigned k = 0; k < 150; ++k) {
    Ports p;
    p.base = static_cast<std::uint16_t>(20000 + ((start + k) % 150) * Ports::kBlockSize);
    bool all = true;
    for (std::uint16_t off = 0; off < 16 && all; ++off) {
      all = port_free(static_cast<std::uint16_t>(p.base + off));
    }
    if (all) return p;
  }
  throw std::runtime_error("no free port block in 20000..29599");
}

// Process groups started by a test; stop_all (also run by the destructor) stops each group
// with its stop signal, then SIGKILLs what is left, last started first.
class Processes {
 public:
  Processes() = default;
  Processes(const Processes&) = delete;
  Processes& operator=(const Processes&) = delete;
  ~Processes() { stop_all(); }

  int start(const ProcessSpec& spec) {
    const int log = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) throw std::runtime_error("cannot open " + spec.log.string());
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::dup2(log, 1);
      ::dup2(log, 2);
      if (::chdir(spec.cwd.c_str()) != 0) ::_exit(127);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(log);
    if (pid < 0) throw std::runtime_error("fork failed");
    ::setpgid(pid, pid);  // also here, so the group exists before we signal it
    procs_.push_back({spec.name, pid, spec.stop_signal, spec.stop_timeout, false});
    return pid;
  }

  // True while the named process has not exited (reaps it once it has).
  bool running(const std::string& name) {
    for (auto& p : procs_) {
      if (p.name == name && !p.reaped) {
        int status = 0;
        if (::waitpid(p.pid, &status, WNOHANG) == p.pid) p.reaped = true;
        return !p.reaped;
      }
    }
    return false;
  }

  void stop(const std::string& name) {
    for (auto& p : procs_) {
      if (p.name == name) stop_one(p);
    }
  }

  void stop_all() {
    for (auto it = procs_.rbegin(); it != procs_.rend(); ++it) stop_one(*it);
  }

  std::vector<int> pgids() const {
    std::vector<int> out;
    for (const auto& p : procs_) out.push_back(p.pid);
    return out;
  }

 private:
  struct Proc {
    std::string name;
    int pid;
    int stop_signal;
    std::chrono::milliseconds timeout;
    bool reaped;
  };

  static bool group_empty(int pgid);

  void stop_one(Proc& p) {
    ::kill(-p.pid, p.stop_signal);
    if (!wait_gone(p, p.timeout)) {
      ::kill(-p.pid, SIGKILL);
      wait_gone(p, 5s);
    }
  }

  static bool wait_gone(Proc& p, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
          int status = 0;
          if (!p.reaped && ::waitpid(p.pid, &status, WNOHANG) == p.pid) p.reaped = true;
          return p.reaped && group_empty(p.pid);
        },
        timeout, Poll{5ms});
  }

  std::vector<Proc> procs_;
};

struct ProcInfo {
  int pid;
  char state;
  int pgrp;
  std::string cmdline;
};

// Every process in /proc that is neither a zombie nor dead.
std::vector<ProcInfo> live_processes() {
  std::vector<ProcInfo> out;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(it->path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    ProcInfo info{std::stoi(name), '?', 0, ""};
    int ppid = 0;
    rest >> info.state >> ppid >> info.pgrp;
    if (info.state == 'Z' || info.state == 'X') continue;
    std::ifstream cmd(it->path() / "cmdline", std::ios::binary);
    std::getline(cmd, info.cmdline, '\0');  // argv[0] is enough to name it
    std::string arg;
    while (std::getline(cmd, arg, '\0')) info.cmdline += " " + arg;
    out.push_back(std::move(info));
  }
  return out;
}

bool Processes::group_empty(int pgid) {
  for (const auto& p : live_processes()) {
    if (p.pgrp == pgid) return false;
  }
  return true;
}

struct Response {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const {
    std::istringstream in(head);
    for (std::string line; std::getline(in, line);) {
      if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
          line[name.size()] == ':') {
        auto v = line.substr(name.size() + 1);
        while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
        return v;
      }
    }
    return "";
  }
};

// Reads until EOF (or the receive timeout) from a connected socket.
std::string read_all(int fd) {
  std::string data;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

void set_timeouts(int fd, std::chrono::milliseconds t) {
  timeval tv{static_cast<time_t>(t.count() / 1000),
             static_cast<suseconds_t>((t.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// A tiny HTTP client: HTTP/1.0 so the server delimits the body by closing (never chunked).
std::optional<Response> http(std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body = "",
                             const std::string& content_type = "",
                             std::chrono::milliseconds timeout = 15s) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  set_timeouts(fd, timeout);
  const sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string req = method + " " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!content_type.empty()) req += "Content-Type: " + content_type + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string data = read_all(fd);
  ::close(fd);
  const auto split = data.find("\r\n\r\n");
  if (data.rfind("HTTP/1.", 0) != 0 || split == std::string::npos) return std::nullopt;
  Response r;
  r.status = std::atoi(data.c_str() + 9);
  r.head = data.substr(0, split);
  r.body = data.substr(split + 4);
  return r;
}

// One command on HAProxy's admin socket; the reply up to EOF.
std::string haproxy_cmd(const fs::path& sock, const std::string& cmd) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  set_timeouts(fd, 2s);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, sock.c_str(), sizeof a.sun_path - 1);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string line = cmd + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      out = read_all(fd);
    }
  }
  ::close(fd);
  return out;
}

Binaries require_binaries() {
  auto bin = find_binaries();
  INFO((bin ? std::string() : bin.error()));
  REQUIRE(bin.has_value());
  return *bin;
}

// Runs a config check; its output in the failure message.
void check_ok(const std::vector<std::string>& argv, const fs::path& out) {
  auto rc = detail::run_to_exit(argv, out, 30s);
  INFO(argv[0] << " said:\n" << read_file(out));
  REQUIRE(rc.has_value());
  CHECK(*rc == 0);
}

template <typename T>
T value_or_fail(std::expected<T, std::string> e) {
  INFO((e ? std::string() : e.error()));
  REQUIRE(e.has_value());
  return std::move(*e);
}

}  // namespace

TEST_CASE("services: find_binaries finds every daemon", "[stack]") {
  const Binaries bin = require_binaries();
  for (const auto& p :
       {bin.haproxy, bin.nginx, bin.mariadbd, bin.mariadb_install_db, bin.php_fpm}) {
    CHECK(p.is_absolute());
    CHECK(::access(p.c_str(), X_OK) == 0);
  }
  CHECK_THAT(bin.php_fpm.filename().string(), Contains("php-fpm"));
}

TEST_CASE("services: every rendered config passes its binary's own check", "[stack]") {
  const Binaries bin = require_binaries();
  TempDir tmp = short_tmp();
  const Layout layout{tmp.path() / "run"};
  const Ports ports = free_ports();  // nginx -t binds its listen address
  REQUIRE(prepare_run_dir(layout).has_value());

  const auto haproxy = value_or_fail(haproxy_spec(bin, layout, ports, 10));
  const auto nginx = value_or_fail(nginx_spec(bin, layout, ports, 2));
  const auto fpm = value_or_fail(fpm_spec(bin, layout, 2, 3));

  const fs::path cfg = layout.haproxy_dir() / "haproxy.cfg";
  const std::string cfg_text = read_file(cfg);
  CHECK_THAT(cfg_text, Contains("server-template web 1-10 127.0.0.1:1 check disabled"));
  CHECK_THAT(cfg_text, Contains("bind 127.0.0.1:" + std::to_string(ports.haproxy())));
  CHECK_THAT(cfg_text, Contains("stats socket " + layout.haproxy_socket().string()));
  check_ok({bin.haproxy.string(), "-c", "-f", cfg.string()}, tmp.path() / "haproxy-check.txt");
  // With the redirect and the limits on too (a rule HAProxy rejects would only show at start).
  FrontendOptions front;
  front.redirect = true;
  front.limits.enabled = true;
  value_or_fail(haproxy_spec(bin, layout, ports, 10, front));
  const std::string full_text = read_file(cfg);
  CHECK_THAT(full_text, Contains("bind 127.0.0.1:" + std::to_string(ports.https()) + " ssl crt"));
  CHECK_THAT(full_text, Contains("stick-table type ip"));
  check_ok({bin.haproxy.string(), "-c", "-f", cfg.string()}, tmp.path() / "haproxy-check2.txt");

  const fs::path dir = layout.replica_dir(2);
  const std::string nginx_text = read_file(dir / "nginx.conf");
  CHECK_THAT(nginx_text, Contains("listen 127.0.0.1:" + std::to_string(ports.replica(2))));
  CHECK_THAT(nginx_text, Contains("unix:" + layout.fpm_socket(2).string()));
  std::istringstream lines(nginx_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find('#') != std::string::npos) line.erase(line.find('#'));
    std::istringstream words(line);
    std::string first;
    if (!(words >> first) || first == "location") continue;  // URIs, not paths
    for (std::string w; words >> w;) {                       // every path is in the run directory
      if (w.rfind("unix:", 0) == 0) w.erase(0, 5);
      if (w.front() == '/') CHECK_THAT(w, Catch::Matchers::StartsWith(layout.dir.string() + "/"));
    }
  }
  check_ok(
      {bin.nginx.string(), "-t", "-p", dir.string() + "/", "-c", (dir / "nginx.conf").string()},
      tmp.path() / "nginx-check.txt");

  const std::string fpm_text = read_file(dir / "php-fpm.conf");
  CHECK_THAT(fpm_text, Contains("pm.max_children = 3"));
  CHECK_THAT(fpm_text, Contains("env[DB_SOCKET] = " + layout.mysql_socket().string()));
  CHECK_THAT(fpm_text, Contains("env[DB_HOST] = localhost"));  // mysqli: the socket
  // With the fault proxy, the app goes over TCP to the proxy's route to MariaDB.
  (void)value_or_fail(fpm_spec(bin, layout, 3, 3, lg::stack::default_assets_dir(), 18006));
  const std::string proxied = read_file(layout.replica_dir(3) / "php-fpm.conf");
  CHECK_THAT(proxied, Contains("env[DB_HOST] = 127.0.0.1"));
  CHECK_THAT(proxied, Contains("env[DB_PORT] = 18006"));
  check_ok({bin.php_fpm.string(), "-t", "-R", "-y", (dir / "php-fpm.conf").string()},
           tmp.path() / "fpm-check.txt");

  CHECK(fs::is_regular_file(layout.www() / "index.php"));
  CHECK(fs::is_regular_file(layout.www() / "static" / "hello.txt"));
  CHECK(haproxy.argv == std::vector<std::string>{bin.haproxy.string(), "-db", "-f", cfg.string()});
  CHECK(nginx.stop_signal == SIGQUIT);
  CHECK(fpm.stop_signal == SIGQUIT);
  CHECK(fpm.argv[1] == "-F");
  CHECK(fpm.argv[2] == "-R");
}

TEST_CASE("services: specs refuse what would break a config", "[stack]") {
  const Binaries bin{"/x/haproxy", "/x/nginx", "/x/mariadbd", "/x/mariadb-install-db",
                     "/x/php-fpm8.2"};
  TempDir tmp = short_tmp();
  const Layout layout{tmp.path() / "run"};
  const Ports ports;

  SECTION("replica numbers start at 1 and stay in the port block") {
    CHECK_FALSE(fpm_spec(bin, layout, 0).has_value());
    CHECK_FALSE(nginx_spec(bin, layout, ports, kMaxReplicas + 1).has_value());
    CHECK_FALSE(haproxy_spec(bin, layout, ports, 0).has_value());
    CHECK_FALSE(haproxy_spec(bin, layout, ports, kMaxReplicas + 1).has_value());
  }
  SECTION("a pool needs at least one child") {
    CHECK_FALSE(fpm_spec(bin, layout, 1, 0).has_value());
  }
  SECTION("a run directory that configs cannot take unquoted") {
    auto spec = nginx_spec(bin, Layout{tmp.path() / "with space"}, ports, 1);
    REQUIRE_FALSE(spec.has_value());
    CHECK_THAT(spec.error(), Contains("with space"));
  }
  SECTION("a socket path over the unix limit") {
    auto spec = fpm_spec(bin, Layout{tmp.path() / std::string(100, 'd')}, 1);
    REQUIRE_FALSE(spec.has_value());
    CHECK_THAT(spec.error(), Contains("unix socket path"));
  }
  SECTION("assets that are not there") {
    auto ok = prepare_run_dir(layout, tmp.path() / "no-assets");
    REQUIRE_FALSE(ok.has_value());
    CHECK_THAT(ok.error(), Contains("LG_STACK_ASSETS_DIR"));
  }
  SECTION("a placeholder without a value") {
    const fs::path assets = tmp.path() / "assets";
    fs::create_directories(assets / "config");
    std::ofstream(assets / "config" / "haproxy.cfg.in") << "global\n  maxconn @NO_SUCH_VAR@\n";
    auto spec = haproxy_spec(bin, layout, ports, 2, {}, assets);
    REQUIRE_FALSE(spec.has_value());
    CHECK_THAT(spec.error(), Contains("@NO_SUCH_VAR@"));
  }
  SECTION("mariadbd needs a prepared datadir") {
    auto spec = mariadb_spec(bin, layout, ports);
    REQUIRE_FALSE(spec.has_value());
    CHECK_THAT(spec.error(), Contains("prepare_mariadb"));
  }
}

TEST_CASE("services: the MariaDB template is made once, atomically, and copied per run",
          "[stack]") {
  const Binaries bin = require_binaries();
  TempDir tmp = short_tmp();
  const fs::path cache = tmp.path() / "cache";
  fs::create_directories(cache);
  // What a killed init leaves behind (pid 2^22 + 1 is above pid_max, so never alive).
  const fs::path dead_staging = cache / ".mariadb-staging-4194305-0";
  fs::create_directories(dead_staging / "data");

  const Layout first{tmp.path() / "run1"};
  REQUIRE(prepare_run_dir(first).has_value());
  const auto made = value_or_fail(prepare_mariadb(bin, first, cache));
  CHECK(made.created);
  CHECK(fs::is_regular_file(made.template_dir / "app" / "items.frm"));
  CHECK(fs::is_regular_file(first.mysql_datadir() / "app" / "items.ibd"));
  CHECK_FALSE(fs::exists(dead_staging));

  const Layout second{tmp.path() / "run2"};
  REQUIRE(prepare_run_dir(second).has_value());
  const auto reused = value_or_fail(prepare_mariadb(bin, second, cache));
  CHECK_FALSE(reused.created);
  CHECK(reused.template_dir == made.template_dir);
  CHECK(fs::is_regular_file(second.mysql_datadir() / "app" / "items.ibd"));

  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(cache)) ++entries;
  CHECK(entries == 2);  // the template and the lock file: no staging directory left
  std::printf("services: MariaDB template init %lld ms (cold cache dir), copy %lld ms / %lld ms\n",
              static_cast<long long>(made.init_time.count()),
              static_cast<long long>(made.copy_time.count()),
              static_cast<long long>(reused.copy_time.count()));
}

TEST_CASE("services: one replica serves the app from a template copy", "[stack]") {
  const Binaries bin = require_binaries();
  TempDir tmp = short_tmp();
  const Layout layout{tmp.path() / "run"};
  const Ports ports = free_ports();
  REQUIRE(prepare_run_dir(layout).has_value());
  const auto t_prepare = Clock::now();
  const auto db = value_or_fail(prepare_mariadb(bin, layout));  // the shared default cache
  const auto prepare_ms = ms_since(t_prepare);

  std::vector<int> pgids;
  {
    Processes procs;
    const auto t0 = Clock::now();
    procs.start(value_or_fail(mariadb_spec(bin, layout, ports)));
    procs.start(value_or_fail(fpm_spec(bin, layout, 1, 2)));
    procs.start(value_or_fail(nginx_spec(bin, layout, ports, 1)));
    pgids = procs.pgids();
    const std::uint16_t port = ports.replica(1);

    auto logs = [&] {
      std::string out;
      for (const char* name : {"mariadb", "fpm-1", "nginx-1", "haproxy"}) {
        out += std::string(name) + ".log:\n" +
               detail::tail_file(layout.logs() / (std::string(name) + ".log"));
      }
      return out;
    };
    if (!wait_until([&] { return mariadb_ready(layout); }, 30s, Poll{5ms}))
      FAIL("no MariaDB\n" << logs());
    if (!wait_until([&] { return fpm_ready(layout, 1); }, 10s, Poll{5ms}))
      FAIL("no FPM\n" << logs());
    if (!wait_until(
            [&] {
              auto r = http(port, "GET", "/health", "", "", 1s);
              return r && r->status == 200;
            },
            10s, Poll{5ms})) {
      FAIL("no nginx /health\n" << logs());
    }
    auto first = http(port, "GET", "/api/item?id=42");
    const auto first_200_ms = ms_since(t0);

    SECTION("GET /api/item returns the seeded row with native types") {
      REQUIRE(first);
      CHECK(first->status == 200);
      CHECK(first->header("Content-Type") == "application/json");
      CHECK(first->header("X-Replica") == "1");
      const auto j = nlohmann::json::parse(first->body);
      CHECK(j["id"].is_number_integer());
      CHECK(j["id"] == 42);
      CHECK(j["name"] == "item-00042");
      CHECK(j["price"].is_number());
      CHECK(j["price"].get<double>() == Approx(325.98));
      // Persistent connections are reused across requests: types must not change on reuse.
      for (int id = 1; id <= 12; ++id) {
        auto r = http(port, "GET", "/api/item?id=" + std::to_string(id));
        REQUIRE(r);
        REQUIRE(r->status == 200);
        CHECK(nlohmann::json::parse(r->body)["id"].is_number_integer());
      }
      std::printf(
          "services: template %s, prepare_mariadb %lld ms (copy %lld ms), "
          "start to first /api/item 200: %lld ms\n",
          db.created ? "created" : "reused", prepare_ms,
          static_cast<long long>(db.copy_time.count()), first_200_ms);
    }

    SECTION("bad and missing ids are JSON errors") {
      for (const char* bad : {"0", "abc", "-1", "", "99999999999"}) {
        auto r = http(port, "GET", std::string("/api/item?id=") + bad);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(nlohmann::json::parse(r->body).contains("error"));
      }
      auto none = http(port, "GET", "/api/item?id=9999999");
      REQUIRE(none);
      CHECK(none->status == 404);
      CHECK(nlohmann::json::parse(none->body).contains("error"));
      auto route = http(port, "GET", "/api/nothing");
      REQUIRE(route);
      CHECK(route->status == 404);
      auto method = http(port, "DELETE", "/api/item?id=1");
      REQUIRE(method);
      CHECK(method->status == 405);
    }

    SECTION("POST then GET sees the write") {
      auto created = http(port, "POST", "/api/item", R"({"name":"widget é","price":12.5})",
                          "application/json");
      REQUIRE(created);
      REQUIRE(created->status == 201);
      const auto j = nlohmann::json::parse(created->body);
      REQUIRE(j["id"].is_number_integer());
      const int id = j["id"];
      CHECK(id > 10000);
      CHECK(created->header("Location") == "/api/item?id=" + std::to_string(id));
      auto got = http(port, "GET", "/api/item?id=" + std::to_string(id));
      REQUIRE(got);
      REQUIRE(got->status == 200);
      const auto g = nlohmann::json::parse(got->body);
      CHECK(g["name"] == "widget é");
      CHECK(g["price"].get<double>() == Approx(12.5));

      auto form = http(port, "POST", "/api/item", "name=gadget&price=3",
                       "application/x-www-form-urlencoded");
      REQUIRE(form);
      CHECK(form->status == 201);
      CHECK(nlohmann::json::parse(form->body)["id"].get<int>() > id);

      for (const char* bad : {R"({"name":"","price":1})", R"({"name":"x","price":-1})",
                              R"({"name":"x"})", "{not json"}) {
        auto r = http(port, "POST", "/api/item", bad, "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
      }
    }

    SECTION("/api/work waits, then queries") {
      const auto t = Clock::now();
      auto r = http(port, "GET", "/api/work?ms=20");
      const auto took = ms_since(t);
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(took >= 20);
      const auto j = nlohmann::json::parse(r->body);
      CHECK(j["ms"] == 20);
      CHECK(j["item"]["id"].is_number_integer());
      auto over = http(port, "GET", "/api/work?ms=10001");
      REQUIRE(over);
      CHECK(over->status == 400);
    }

    SECTION("nginx's own routes, PHP's health and FPM's ping") {
      auto health = http(port, "GET", "/health");
      REQUIRE(health);
      CHECK(health->status == 200);
      CHECK(health->body == "ok replica-1\n");
      auto php = http(port, "GET", "/api/health");
      REQUIRE(php);
      CHECK(php->status == 200);
      CHECK(php->body == "ok\n");
      auto file = http(port, "GET", "/static/hello.txt");
      REQUIRE(file);
      CHECK(file->status == 200);
      CHECK(file->header("Content-Type") == "text/plain");
      CHECK(file->body == read_file(layout.www() / "static" / "hello.txt"));
      auto status = http(port, "GET", "/nginx_status");
      REQUIRE(status);
      CHECK_THAT(status->body, Contains("Active connections"));
      auto ping = http(port, "GET", "/fpm-ping");
      REQUIRE(ping);
      CHECK(ping->body == "pong");
    }

    SECTION("HAProxy routes to the replica once a slot points at it") {
      procs.start(value_or_fail(haproxy_spec(bin, layout, ports, 4)));
      pgids = procs.pgids();
      if (!wait_until(
              [&] {
                return haproxy_cmd(layout.haproxy_socket(), "show info").find("Name: HAProxy") !=
                       std::string::npos;
              },
              10s, Poll{5ms})) {
        FAIL("no HAProxy CLI\n" << logs());
      }
      haproxy_cmd(layout.haproxy_socket(),
                  "set server be_web/web1 addr 127.0.0.1 port " + std::to_string(port));
      haproxy_cmd(layout.haproxy_socket(), "set server be_web/web1 state ready");
      auto r = http(ports.haproxy(), "GET", "/api/item?id=7");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->header("X-Replica") == "1");
      CHECK(nlohmann::json::parse(r->body)["id"] == 7);
      auto stats = http(ports.stats(), "GET", "/stats");
      REQUIRE(stats);
      CHECK(stats->status == 200);
      auto metrics = http(ports.stats(), "GET", "/metrics");
      REQUIRE(metrics);
      CHECK(metrics->status == 200);
      CHECK_THAT(metrics->body, Contains("haproxy_server_status{proxy=\"be_web\",server=\"web1\""));
    }

    SECTION("with MariaDB gone, the app answers 500 in JSON") {
      REQUIRE(first);
      REQUIRE(first->status == 200);  // a persistent connection now exists, and will break
      procs.stop("mariadb");
      CHECK_FALSE(procs.running("mariadb"));
      auto r = http(port, "GET", "/api/item?id=42");
      REQUIRE(r);
      CHECK(r->status == 500);
      CHECK_THAT(nlohmann::json::parse(r->body)["error"].get<std::string>(), Contains("database"));
    }

    const auto t_stop = Clock::now();
    procs.stop_all();
    std::printf("services: stopped every process in %lld ms\n", ms_since(t_stop));
  }

  // Nothing of the run remains: no member of its process groups, nothing naming its directory.
  for (const auto& p : live_processes()) {
    INFO("left behind: pid " << p.pid << " " << p.cmdline);
    CHECK(std::find(pgids.begin(), pgids.end(), p.pgrp) == pgids.end());
    CHECK(p.cmdline.find(layout.dir.string()) == std::string::npos);
  }
  CHECK_FALSE(listening(ports.replica(1)));
  CHECK_FALSE(listening(ports.mariadb()));
  CHECK_FALSE(listening(ports.haproxy()));
  CHECK_FALSE(listening(ports.stats()));
}
