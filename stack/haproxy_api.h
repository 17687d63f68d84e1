// A client for HAProxy's runtime API (the admin-level "stats socket", a unix socket).
//
// Protocol, as HAProxy 2.6 speaks it in non-interactive mode: one connection per command; the
// client writes one line, HAProxy writes its reply and closes. Replies are plain text with no
// status code: an error is a sentence ("No such server.", "Unknown command, ..."), so each
// command below checks the reply text it expects. A reply ends with an empty line.
//
// Everything here is blocking and bounded: connect, write and read share one deadline, waited
// on with poll(). Nothing throws; errors are returned as text that names the socket.
//
// Parsing is kept apart from I/O (parse_show_stat, parse_show_info) so it can be unit-tested on
// captured output.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lg::stack {

// Which kind of proxy object a `show stat` row describes (its "type" column: 0..3).
enum class StatRowKind : std::uint8_t { kFrontend, kBackend, kServer, kListener };

// One row of `show stat`. Counters are HAProxy's own; an empty CSV field (a counter that does
// not apply to that row kind) reads as 0.
struct ServerStat {
  std::string proxy;   // pxname, e.g. "be_web"
  std::string server;  // svname, e.g. "web1"; "BACKEND" / "FRONTEND" for the aggregate rows
  StatRowKind kind = StatRowKind::kServer;
  bool is_backend() const { return kind == StatRowKind::kBackend; }  // the BACKEND total row

  std::uint64_t qcur = 0;    // requests queued for this server now (a full backend queues at
                             // the BACKEND row instead: round-robin requests are not assigned)
  std::uint64_t scur = 0;    // current sessions (connections in use) now
  std::uint64_t stot = 0;    // sessions since start (health checks not counted)
  std::uint64_t econ = 0;    // failed connection attempts to the server
  std::uint64_t eresp = 0;   // response errors (server closed or reset mid-response, ...)
  std::uint64_t wretr = 0;   // connection retries (`retries`)
  std::uint64_t wredis = 0;  // redispatches to another server (`option redispatch`)
  // "UP", "UP 1/2" (going up: `state ready` sets it before the first check), "DOWN",
  // "DOWN 1/2", "MAINT", "DRAIN", "NOLB", "no check"; aggregate rows: "UP", "DOWN", "OPEN".
  std::string status;
  std::uint32_t weight = 0;  // effective weight (BACKEND row: sum over usable servers)
  std::string check_status;  // "L7OK", "L4CON", "L7STS", "INI" (no check yet), "" (MAINT)
  std::array<std::uint64_t, 5> hrsp{};  // responses by class: [0] = 1xx ... [4] = 5xx
  std::uint64_t rate = 0;               // sessions per second over the last second
  std::uint64_t rtime = 0;              // average response time, ms, over the last 1024 responses
  std::string addr;                     // "ip:port" the server points at (servers only; else "")
};

// Parses the reply to `show stat ...` (a "# " header line naming the columns, then one CSV row
// per object). Columns are found by name in the header, so column order and the columns
// HAProxy adds in later versions do not matter. Every row is returned (frontends too).
// Errors: no header (the reply is an error text such as "No such proxy."), a required column
// missing, a row shorter than the columns it needs, a number that is not one.
std::expected<std::vector<ServerStat>, std::string> parse_show_stat(std::string_view csv);

// Parses the reply to `show info` ("Name: value" lines) into a map. Errors when no line has the
// form (an error reply, or not HAProxy).
std::expected<std::map<std::string, std::string>, std::string> parse_show_info(
    std::string_view text);

// The admin state set with `set server <b>/<s> state`.
enum class ServerAdminState : std::uint8_t { kReady, kDrain, kMaint };
// The operational state forced with `set server <b>/<s> health` (checks still run after it).
enum class ServerHealth : std::uint8_t { kUp, kStopping, kDown };

class HaproxyApi {
 public:
  // `socket`: the stats socket path (Layout::haproxy_socket()). `timeout`: the bound on one
  // command, connect to EOF.
  explicit HaproxyApi(std::filesystem::path socket,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds{2000});

  const std::filesystem::path& socket() const { return socket_; }

  // Sends one command line (no newline in it; ';' separates several commands, as HAProxy
  // allows) and returns the whole reply. Errors: the socket file is missing, refuses the
  // connection (a stale socket left by an HAProxy that exited), or the reply does not end
  // within the timeout.
  std::expected<std::string, std::string> command(std::string_view line) const;

  // `show info`: process fields ("Pid", "Uptime_sec", "CurrConns", ...). Used as the
  // readiness probe: the socket file existing proves nothing (it outlives HAProxy).
  std::expected<std::map<std::string, std::string>, std::string> show_info() const;

  // `show stat <backend> 6 -1`: that backend's server rows and its BACKEND row, in HAProxy's
  // order (servers first). Error if the backend does not exist.
  std::expected<std::vector<ServerStat>, std::string> show_stat(std::string_view backend) const;

  // `set server <backend>/<server> addr <ip> port <port>`. `ip` must be a numeric IPv4 or IPv6
  // address; port 0 is rejected (HAProxy would take it, and wraps ports above 65535). The
  // health check follows the new address.
  std::expected<void, std::string> set_server_addr(std::string_view backend,
                                                   std::string_view server, std::string_view ip,
                                                   std::uint16_t port) const;

  // `set server <backend>/<server> state ready|drain|maint`. Note: `ready` makes the server
  // usable at once ("UP 1/2"), before any health check: probe the replica first.
  std::expected<void, std::string> set_server_state(std::string_view backend,
                                                    std::string_view server,
                                                    ServerAdminState state) const;

  // `set server <backend>/<server> health up|stopping|down`.
  std::expected<void, std::string> set_server_health(std::string_view backend,
                                                     std::string_view server,
                                                     ServerHealth health) const;

  // Polls `show stat` every 20 ms until the server has no current session and nothing queued
  // for it (scur == 0 and qcur == 0). Returns when that holds; an error at `deadline` (with the
  // last counts), when the server is not in the backend, or when a poll fails. Returns by
  // `deadline` plus one command timeout at the latest.
  std::expected<void, std::string> wait_sessions_zero(
      std::string_view backend, std::string_view server,
      std::chrono::steady_clock::time_point deadline) const;

 private:
  std::expected<std::string, std::string> command_until(
      std::string_view line, std::chrono::steady_clock::time_point deadline) const;
  std::expected<std::vector<ServerStat>, std::string> show_stat_until(
      std::string_view backend, std::chrono::steady_clock::time_point deadline) const;

  std::filesystem::path socket_;
  std::chrono::milliseconds timeout_;
};

}  // namespace lg::stack
