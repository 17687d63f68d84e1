#include "stack/haproxy_api.h"
#include "stack/posix_fd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

namespace lg::stack {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A reply larger than this is not one HAProxy sends for our commands (show stat of a 50-server
// backend is ~20 KiB); the cap keeps a misbehaving peer from growing memory without bound.
constexpr std::size_t kMaxReplyBytes = 16u << 20;
// Between two `show stat` polls in wait_sessions_zero.
constexpr milliseconds kDrainPollInterval{20};

std::string shorten(std::string_view s, std::size_t max = 120) {
  std::string out(s.substr(0, std::min(s.size(), max)));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (s.size() > max) out += "...";
  return out;
}

// HAProxy proxy and server names: letters, digits, '-', '_', '.', ':'. Checking them keeps a
// name from smuggling a second command (';') or another argument (' ') into the line.
bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  return std::ranges::all_of(s, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::expected<void, std::string> check_target(std::string_view backend, std::string_view server) {
  if (!valid_name(backend)) {
    return std::unexpected("invalid backend name '" + std::string(backend) + "'");
  }
  if (!valid_name(server)) {
    return std::unexpected("invalid server name '" + std::string(server) + "'");
  }
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits one CSV line. HAProxy quotes a string field only when it must (csv_enc: a field with a
// comma, a quote or a line break), doubling inner quotes, so that case is handled too.
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(std::move(cur));
  return fields;
}

// Lines of `text`, without their "\n" (and a "\r" before it, should one appear).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

template <typename T>
std::optional<T> parse_uint(std::string_view s) {
  T v{};
  if (s.empty()) return T{0};  // HAProxy leaves counters that do not apply to a row empty
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// The `show stat` columns parse_show_stat needs; others are ignored.
constexpr std::array<std::string_view, 19> kRequired = {
    "pxname",   "svname",   "qcur",     "scur",   "stot",         "econ",     "eresp",
    "wretr",    "wredis",   "status",   "weight", "check_status", "hrsp_1xx", "hrsp_2xx",
    "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "rate",   "rtime"};

// Position of a column name in kRequired, checked at compile time.
consteval std::size_t req(std::string_view name) {
  for (std::size_t i = 0; i < kRequired.size(); ++i) {
    if (kRequired[i] == name) return i;
  }
  throw "not a required show stat column";
}

const char* state_word(ServerAdminState s) {
  switch (s) {
    case ServerAdminState::kReady:
      return "ready";
    case ServerAdminState::kDrain:
      return "drain";
    case ServerAdminState::kMaint:
      return "maint";
  }
  return "?";
}

const char* health_word(ServerHealth h) {
  switch (h) {
    case ServerHealth::kUp:
      return "up";
    case ServerHealth::kStopping:
      return "stopping";
    case ServerHealth::kDown:
      return "down";
  }
  return "?";
}

// Success replies of `set server ... state|health` are empty (just the closing blank line);
// anything else is HAProxy's error sentence.
std::expected<void, std::string> expect_empty_reply(std::string_view line,
                                                    std::expected<std::string, std::string> r) {
  if (!r) return std::unexpected(r.error());
  if (r->find_first_not_of("\r\n\t ") != std::string::npos) {
    return std::unexpected("HAProxy refused '" + std::string(line) + "': " + shorten(*r));
  }
  return {};
}

// `set server BACKEND/SERVER WHAT VALUE` for a reply that is empty on success (state, health).
std::expected<void, std::string> set_server(const HaproxyApi& api, std::string_view backend,
                                            std::string_view server, std::string_view what,
                                            std::string_view value) {
  if (auto ok = check_target(backend, server); !ok) return ok;
  const std::string line = "set server " + std::string(backend) + "/" + std::string(server) + " " +
                           std::string(what) + " " + std::string(value);
  return expect_empty_reply(line, api.command(line));
}

}  // namespace

std::expected<std::vector<ServerStat>, std::string> parse_show_stat(std::string_view csv) {
  const auto lines = split_lines(csv);
  std::size_t at = 0;
  while (at < lines.size() && trim(lines[at]).empty()) ++at;
  if (at == lines.size()) return std::unexpected("show stat: empty reply");
  if (!lines[at].starts_with("# ")) {
    return std::unexpected("show stat: no CSV header, reply was: " + shorten(lines[at]));
  }

  const auto header = split_csv(lines[at].substr(2));
  auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    const auto it = std::ranges::find(header, name);
    if (it == header.end()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };

  std::array<std::size_t, kRequired.size()> col{};
  std::size_t needed = 0;  // fields a row must have: one past the highest required column
  for (std::size_t i = 0; i < kRequired.size(); ++i) {
    const auto c = column(kRequired[i]);
    if (!c) return std::unexpected("show stat: column '" + std::string(kRequired[i]) + "' missing");
    col[i] = *c;
    needed = std::max(needed, *c + 1);
  }
  const auto type_col = column("type");  // optional: older versions lack it
  const auto addr_col = column("addr");  // optional: HAProxy >= 1.9

  std::vector<ServerStat> rows;
  for (std::size_t li = at + 1; li < lines.size(); ++li) {
    if (trim(lines[li]).empty()) break;  // a reply block ends with an empty line
    const auto f = split_csv(lines[li]);
    const std::string where = "show stat line " + std::to_string(li + 1);
    if (f.size() < needed) {
      return std::unexpected(where + ": " + std::to_string(f.size()) + " fields, need " +
                             std::to_string(needed));
    }
    ServerStat s;
    s.proxy = f[col[req("pxname")]];
    s.server = f[col[req("svname")]];
    s.status = f[col[req("status")]];
    s.check_status = f[col[req("check_status")]];
    if (s.proxy.empty() || s.server.empty()) {
      return std::unexpected(where + ": empty pxname/svname");
    }

    std::string bad;  // the first column that is not a number
    auto num = [&](std::size_t which) -> std::uint64_t {
      const auto v = parse_uint<std::uint64_t>(f[col[which]]);
      if (!v && bad.empty()) bad = std::string(kRequired[which]) + "='" + f[col[which]] + "'";
      return v.value_or(0);
    };
    s.qcur = num(req("qcur"));
    s.scur = num(req("scur"));
    s.stot = num(req("stot"));
    s.econ = num(req("econ"));
    s.eresp = num(req("eresp"));
    s.wretr = num(req("wretr"));
    s.wredis = num(req("wredis"));
    const std::uint64_t weight = num(req("weight"));
    s.hrsp = {num(req("hrsp_1xx")), num(req("hrsp_2xx")), num(req("hrsp_3xx")),
              num(req("hrsp_4xx")), num(req("hrsp_5xx"))};
    s.rate = num(req("rate"));
    s.rtime = num(req("rtime"));
    if (!bad.empty()) return std::unexpected(where + ": not a number: " + bad);
    if (weight > UINT32_MAX) return std::unexpected(where + ": weight out of range");
    s.weight = static_cast<std::uint32_t>(weight);

    if (type_col && *type_col < f.size() && !f[*type_col].empty()) {
      const auto t = parse_uint<unsigned>(f[*type_col]);
      if (!t || *t > 3) return std::unexpected(where + ": bad type '" + f[*type_col] + "'");
      s.kind = static_cast<StatRowKind>(*t);
    } else if (s.server == "BACKEND") {
      s.kind = StatRowKind::kBackend;
    } else if (s.server == "FRONTEND") {
      s.kind = StatRowKind::kFrontend;
    }
    if (addr_col && *addr_col < f.size()) s.addr = f[*addr_col];
    rows.push_back(std::move(s));
  }
  return rows;
}

std::expected<std::map<std::string, std::string>, std::string> parse_show_info(
    std::string_view text) {
  std::map<std::string, std::string> fields;
  for (const auto line : split_lines(text)) {
    if (trim(line).empty()) continue;
    const auto colon = line.find(':');
    const auto key = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    // Keys are words, sometimes with spaces or dashes ("Build info", "Ulimit-n"). Error replies
    // and the help text of an unknown command do not fit that.
    const bool key_ok =
        !key.empty() && std::isalpha(static_cast<unsigned char>(key.front())) &&
        std::ranges::all_of(key, [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == ' ';
        });
    if (!key_ok) return std::unexpected("show info: unexpected line: " + shorten(line));
    fields.emplace(std::string(key), std::string(trim(line.substr(colon + 1))));
  }
  if (fields.empty()) return std::unexpected("show info: empty reply");
  return fields;
}

HaproxyApi::HaproxyApi(std::filesystem::path socket, std::chrono::milliseconds timeout)
    : socket_(std::move(socket)), timeout_(timeout) {}

std::expected<std::string, std::string> HaproxyApi::command(std::string_view line) const {
  return command_until(line, Clock::now() + timeout_);
}

std::expected<std::string, std::string> HaproxyApi::command_until(
    std::string_view line, Clock::time_point deadline) const {
  const std::string who = "HAProxy runtime API " + socket_.string();
  if (line.empty() || line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return std::unexpected(who + ": a command is one non-empty line");
  }
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::string path = socket_.string();
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) {
    return std::unexpected(who + ": socket path empty or longer than " +
                           std::to_string(sizeof(sa.sun_path) - 1) + " bytes");
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);

  const Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return std::unexpected(who + ": socket: " + errno_text(errno));

  // A non-blocking connect on a unix socket either completes at once or fails; EAGAIN means
  // HAProxy's accept backlog is full, so retry until the deadline.
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) == 0) break;
    const int err = errno;
    if (err == EINTR) continue;
    if (err == ENOENT) return std::unexpected(who + ": socket file does not exist");
    if (err == ECONNREFUSED) {
      return std::unexpected(who + ": connection refused (stale socket: HAProxy not running?)");
    }
    if (err == EINPROGRESS) {
      if (auto done = finish_connect(fd.get(), deadline); !done)
        return std::unexpected(who + ": " + done.error());
      break;
    }
    if (err != EAGAIN) return std::unexpected(who + ": connect: " + errno_text(err));
    if (Clock::now() >= deadline) {
      return std::unexpected(who + ": connect timed out (backlog full)");
    }
    std::this_thread::sleep_for(milliseconds{2});
  }

  if (auto sent = send_all(fd.get(), std::string(line) + "\n", deadline); !sent)
    return std::unexpected(who + ": " + sent.error() + " (command '" + shorten(line) + "')");

  std::string reply;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
      if (reply.size() > kMaxReplyBytes) return std::unexpected(who + ": reply too large");
      continue;
    }
    if (n == 0) return reply;  // HAProxy closes after its reply: that is the end of it
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return std::unexpected(who + ": recv: " + errno_text(errno));
    const auto ready = wait_fd(fd.get(), POLLIN, deadline);
    if (!ready) return std::unexpected(who + ": " + ready.error());
    if (!*ready) {
      return std::unexpected(who + ": no complete reply to '" + shorten(line) + "' within " +
                             std::to_string(timeout_.count()) + " ms (" +
                             std::to_string(reply.size()) + " bytes received)");
    }
  }
}

std::expected<std::map<std::string, std::string>, std::string> HaproxyApi::show_info() const {
  auto r = command("show info");
  if (!r) return std::unexpected(r.error());
  return parse_show_info(*r);
}

std::expected<std::vector<ServerStat>, std::string> HaproxyApi::show_stat(
    std::string_view backend) const {
  return show_stat_until(backend, Clock::now() + timeout_);
}

std::expected<std::vector<ServerStat>, std::string> HaproxyApi::show_stat_until(
    std::string_view backend, Clock::time_point deadline) const {
  if (!valid_name(backend)) {
    return std::unexpected("invalid backend name '" + std::string(backend) + "'");
  }
  // `show stat <proxy> <type> <sid>`: type 6 = backends (2) + servers (4), sid -1 = all.
  // A bare `show stat <proxy>` ignores the proxy and dumps everything.
  auto r = command_until("show stat " + std::string(backend) + " 6 -1", deadline);
  if (!r) return std::unexpected(r.error());
  auto rows = parse_show_stat(*r);
  if (!rows) return std::unexpected("backend " + std::string(backend) + ": " + rows.error());
  std::erase_if(*rows, [&](const ServerStat& s) { return s.proxy != backend; });
  return rows;
}

std::expected<void, std::string> HaproxyApi::set_server_addr(std::string_view backend,
                                                             std::string_view server,
                                                             std::string_view ip,
                                                             std::uint16_t port) const {
  if (auto ok = check_target(backend, server); !ok) return ok;
  const std::string ip_str(ip);
  in6_addr scratch{};
  if (::inet_pton(AF_INET, ip_str.c_str(), &scratch) != 1 &&
      ::inet_pton(AF_INET6, ip_str.c_str(), &scratch) != 1) {
    return std::unexpected("set server addr: '" + ip_str + "' is not a numeric IP address");
  }
  if (port == 0) return std::unexpected("set server addr: port 0");
  const std::string line = "set server " + std::string(backend) + "/" + std::string(server) +
                           " addr " + ip_str + " port " + std::to_string(port);
  auto r = command(line);
  if (!r) return std::unexpected(r.error());
  // Success reads "<addr part>, <port part> by 'stats socket command'" where the address part
  // is "no need to change the addr" or "IP changed from 'a' to 'b'" and the port part is
  // "no need to change the port" or "port changed from 'p' to 'q'". A bad port reads "no need
  // to change the addr, problem converting port ...", so both parts are checked.
  const bool addr_ok = r->find("no need to change the addr") != std::string::npos ||
                       r->find("IP changed from") != std::string::npos;
  const bool port_ok = r->find("no need to change the port") != std::string::npos ||
                       r->find("port changed from") != std::string::npos;
  if (!addr_ok || !port_ok) {
    return std::unexpected("HAProxy refused '" + line + "': " + shorten(*r));
  }
  return {};
}

std::expected<void, std::string> HaproxyApi::set_server_state(std::string_view backend,
                                                              std::string_view server,
                                                              ServerAdminState state) const {
  return set_server(*this, backend, server, "state", state_word(state));
}

std::expected<void, std::string> HaproxyApi::set_server_health(std::string_view backend,
                                                               std::string_view server,
                                                               ServerHealth health) const {
  return set_server(*this, backend, server, "health", health_word(health));
}

std::expected<void, std::string> HaproxyApi::wait_sessions_zero(std::string_view backend,
                                                                std::string_view server,
                                                                Clock::time_point deadline) const {
  if (auto ok = check_target(backend, server); !ok) return ok;
  const std::string who = std::string(backend) + "/" + std::string(server);
  for (;;) {
    // Each poll has the usual command bound; the last one starts by `deadline`.
    auto rows = show_stat_until(backend, Clock::now() + timeout_);
    if (!rows) return std::unexpected(rows.error());
    const auto it = std::ranges::find_if(*rows, [&](const ServerStat& s) {
      return s.kind == StatRowKind::kServer && s.server == server;
    });
    if (it == rows->end()) return std::unexpected("no server " + who + " in show stat");
    if (it->scur == 0 && it->qcur == 0) return {};
    if (Clock::now() >= deadline) {
      return std::unexpected(who + ": still " + std::to_string(it->scur) + " sessions and " +
                             std::to_string(it->qcur) + " queued at the deadline (status " +
                             it->status + ")");
    }
    std::this_thread::sleep_until(std::min(Clock::now() + kDrainPollInterval, deadline));
  }
}

}  // namespace lg::stack
