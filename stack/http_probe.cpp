#include "stack/http_probe.h"
#include "stack/posix_fd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lg::stack {
namespace {

using Clock = std::chrono::steady_clock;

// The body's cap and 64 KiB for the rest: a reply larger than that is not a probe's.
constexpr std::size_t kMaxResponseBytes = HttpReplyReader::kMaxBodyBytes + 65536;

// `host`, an IPv6 (`v6`) or IPv4 literal, and `port` into `ss`: the address's length, or 0 when
// `host` is not such a literal.
socklen_t numeric_address(const std::string& host, bool v6, std::uint16_t port,
                          sockaddr_storage& ss) {
  void* addr = nullptr;
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    addr = &a->sin6_addr;
    len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    addr = &a->sin_addr;
    len = sizeof(sockaddr_in);
  }
  return ::inet_pton(ss.ss_family, host.c_str(), addr) == 1 ? len : 0;
}

}  // namespace

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
  const socklen_t ss_len = numeric_address(host_str, v6, port, ss);
  if (ss_len == 0) return fail("not a numeric IP address");

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

  HttpReplyReader reader;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      // Stop as soon as the response is complete, even if the server keeps the connection.
      auto complete = reader.add(std::string_view(buf, static_cast<std::size_t>(n)));
      if (!complete) return fail(complete.error());
      if (*complete) return reader.take_reply();
      if (reader.bytes_received() > kMaxResponseBytes) return fail("response too large");
      continue;
    }
    if (n == 0) {
      if (auto ended = reader.finish(); !ended) return fail(ended.error());
      return reader.take_reply();
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return fail(std::string("recv: ") + std::strerror(errno));
    const auto ready = wait_fd(fd.get(), POLLIN, deadline);
    if (!ready) return fail(ready.error());
    if (!*ready) {
      return fail("no complete response within " + std::to_string(timeout.count()) + " ms (" +
                  std::to_string(reader.bytes_received()) + " bytes received)");
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
