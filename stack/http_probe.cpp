#include "stack/http_probe.h"
#include "stack/posix_fd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace lg::stack {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Probe replies are small (/health, a JSON row); the cap keeps a runaway body bounded.
constexpr std::size_t kMaxResponseBytes = 64u << 20;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::ranges::equal(a, b, [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The next line of `in` starting at `pos` (without CRLF or LF), advancing `pos` past it; nullopt
// when no full line is there yet.
std::optional<std::string_view> next_line(std::string_view in, std::size_t& pos) {
  const auto nl = in.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = in.substr(pos, nl - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = nl + 1;
  return line;
}

enum class Parse { kIncomplete, kComplete };

// Parses `in` (everything received so far). kComplete fills `out`; kIncomplete: more bytes are
// needed (at_eof: the server closed, so a close-delimited body ends here, anything else is
// truncated and an error).
std::expected<Parse, std::string> parse_reply(std::string_view in, bool at_eof, HttpReply& out) {
  const auto incomplete = [&](const char* what) -> std::expected<Parse, std::string> {
    if (at_eof) return std::unexpected(std::string("connection closed ") + what);
    return Parse::kIncomplete;
  };
  std::size_t pos = 0;
  for (;;) {  // once per response: interim 1xx ones are skipped
    out = HttpReply{};
    const auto status_line = next_line(in, pos);
    if (!status_line) {
      if (at_eof && in.empty()) return std::unexpected("server closed without a response");
      return incomplete("inside the status line");
    }
    // "HTTP/1.1 200 OK": version, a space, three digits, then a space and the reason (optional).
    const std::string_view sl = *status_line;
    if (sl.size() < 12 || !sl.starts_with("HTTP/1.") || sl[8] != ' ' ||
        (sl.size() > 12 && sl[12] != ' ')) {
      return std::unexpected("bad status line: '" + std::string(sl.substr(0, 80)) + "'");
    }
    int status = 0;
    const auto [p, ec] = std::from_chars(sl.data() + 9, sl.data() + 12, status);
    if (ec != std::errc{} || p != sl.data() + 12 || status < 100) {
      return std::unexpected("bad status code in '" + std::string(sl.substr(0, 80)) + "'");
    }
    out.status = status;
    out.reason = sl.size() > 13 ? std::string(sl.substr(13)) : std::string();

    for (;;) {
      const auto line = next_line(in, pos);
      if (!line) return incomplete("inside the headers");
      if (line->empty()) break;
      const auto colon = line->find(':');
      if (colon == 0 || colon == std::string_view::npos) {
        return std::unexpected("bad header line: '" + std::string(line->substr(0, 80)) + "'");
      }
      out.headers.emplace_back(std::string(line->substr(0, colon)),
                               std::string(trim(line->substr(colon + 1))));
    }
    if (status >= 100 && status < 200 && status != 101) continue;  // interim: the final follows

    const std::string_view rest = in.substr(pos);
    if (status == 204 || status == 304 || status == 101) return Parse::kComplete;

    const std::string* te = out.header("Transfer-Encoding");
    if (te != nullptr && te->find("chunked") != std::string::npos) {
      std::size_t cp = 0;
      std::string body;
      for (;;) {
        const auto size_line = next_line(rest, cp);
        if (!size_line) return incomplete("inside a chunk size");
        const std::string_view hex = trim(size_line->substr(0, size_line->find(';')));
        std::size_t size = 0;
        const auto [hp, hec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
        if (hex.empty() || hec != std::errc{} || hp != hex.data() + hex.size()) {
          return std::unexpected("bad chunk size: '" + std::string(size_line->substr(0, 40)) + "'");
        }
        if (size == 0) {
          for (;;) {  // trailers, up to the empty line
            const auto trailer = next_line(rest, cp);
            if (!trailer) return incomplete("inside the chunked trailer");
            if (trailer->empty()) break;
          }
          out.body = std::move(body);
          return Parse::kComplete;
        }
        if (size > kMaxResponseBytes || body.size() + size > kMaxResponseBytes) {
          return std::unexpected("chunked body too large");
        }
        if (rest.size() - cp < size + 2) return incomplete("inside a chunk");
        body.append(rest.substr(cp, size));
        cp += size;
        if (rest.substr(cp, 2) != "\r\n") return std::unexpected("chunk not followed by CRLF");
        cp += 2;
      }
    }

    std::optional<std::size_t> length;
    for (const auto& [name, value] : out.headers) {
      if (!iequals(name, "Content-Length")) continue;
      std::size_t v = 0;
      const auto [lp, lec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || lec != std::errc{} || lp != value.data() + value.size()) {
        return std::unexpected("bad Content-Length: '" + value + "'");
      }
      if (length && *length != v) return std::unexpected("conflicting Content-Length headers");
      length = v;
    }
    if (length) {
      if (*length > kMaxResponseBytes) return std::unexpected("body too large");
      if (rest.size() < *length) return incomplete("before Content-Length bytes of body");
      out.body = std::string(rest.substr(0, *length));
      return Parse::kComplete;
    }
    // Neither: the body runs until the server closes.
    if (!at_eof) return Parse::kIncomplete;
    out.body = std::string(rest);
    return Parse::kComplete;
  }
}

}  // namespace

const std::string* HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

std::expected<HttpReply, std::string> parse_http_reply(std::string_view bytes) {
  HttpReply reply;
  auto r = parse_reply(bytes, /*at_eof=*/true, reply);
  if (!r) return std::unexpected(r.error());
  return reply;
}

std::expected<HttpReply, std::string> http_get(std::string_view host, std::uint16_t port,
                                               std::string_view path,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string host_str(host);
  const bool v6 = host_str.find(':') != std::string::npos;
  const std::string authority = (v6 ? "[" + host_str + "]" : host_str) + ":" + std::to_string(port);
  const std::string who = "GET http://" + authority + std::string(path);
  auto fail = [&](const std::string& why) -> std::expected<HttpReply, std::string> {
    return std::unexpected(who + ": " + why);
  };

  if (path.empty() || path.front() != '/' ||
      path.find_first_of(std::string_view(" \r\n\0", 4)) != std::string_view::npos) {
    return fail("path must start with '/' and contain no space or line break");
  }
  sockaddr_storage ss{};
  socklen_t ss_len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (::inet_pton(AF_INET6, host_str.c_str(), &a->sin6_addr) != 1) {
      return fail("not a numeric IP address");
    }
    ss_len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (::inet_pton(AF_INET, host_str.c_str(), &a->sin_addr) != 1) {
      return fail("not a numeric IP address");
    }
    ss_len = sizeof(sockaddr_in);
  }

  const Fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), ss_len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      return fail(std::string("connect: ") + std::strerror(errno));
    }
    if (auto done = finish_connect(fd.get(), deadline); !done)
      return fail(done.error() + " (timeout " + std::to_string(timeout.count()) + " ms)");
  }

  const std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + authority +
                              "\r\nUser-Agent: loadgen-stack-probe\r\nAccept: */*\r\n"
                              "Connection: close\r\n\r\n";
  if (auto sent = send_all(fd.get(), request, deadline); !sent)
    return fail("sending the request: " + sent.error());

  std::string in;
  char buf[16384];
  HttpReply reply;
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      in.append(buf, static_cast<std::size_t>(n));
      if (in.size() > kMaxResponseBytes + 65536) return fail("response too large");
      // Stop as soon as the response is complete, even if the server keeps the connection.
      auto r = parse_reply(in, /*at_eof=*/false, reply);
      if (!r) return fail(r.error());
      if (*r == Parse::kComplete) return reply;
      continue;
    }
    if (n == 0) {
      auto r = parse_reply(in, /*at_eof=*/true, reply);
      if (!r) return fail(r.error());
      return reply;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return fail(std::string("recv: ") + std::strerror(errno));
    const auto ready = wait_fd(fd.get(), POLLIN, deadline);
    if (!ready) return fail(ready.error());
    if (!*ready) {
      return fail("no complete response within " + std::to_string(timeout.count()) + " ms (" +
                  std::to_string(in.size()) + " bytes received)");
    }
  }
}

bool tcp_port_free(std::uint16_t port) {
  if (port == 0) return false;
  const Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) return false;
  return ::listen(fd.get(), 1) == 0;
}

std::expected<std::uint16_t, std::string> find_free_port_block(std::uint16_t first_base,
                                                               std::uint32_t block_size,
                                                               std::uint32_t tries) {
  if (block_size == 0 || tries == 0 || first_base == 0) {
    return std::unexpected("find_free_port_block: first_base, block_size and tries must be > 0");
  }
  std::uint32_t base = first_base;
  std::uint32_t tried = 0;
  for (; tried < tries && base + block_size - 1 <= 65535; ++tried, base += block_size) {
    bool all_free = true;
    for (std::uint32_t p = base; p < base + block_size && all_free; ++p) {
      all_free = tcp_port_free(static_cast<std::uint16_t>(p));
    }
    if (all_free) return static_cast<std::uint16_t>(base);
  }
  return std::unexpected("no block of " + std::to_string(block_size) +
                         " free 127.0.0.1 ports among " + std::to_string(tried) + " bases from " +
                         std::to_string(first_base));
}

}  // namespace lg::stack
