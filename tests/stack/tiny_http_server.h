// A minimal blocking HTTP server for stack tests: plain POSIX sockets, no event loop, so it
// stands in for an nginx replica without linking the engine's libuv test server.
//
// Listens on 127.0.0.1 (an ephemeral port unless one is given). Every request gets
// "200 ok\n" with Content-Length and "Connection: close" (or the bytes given to the
// constructor, as they are: garbage, a cut response), then the connection is closed.
// "/slow?ms=N" answers after N ms (0..60000), which keeps a session open on HAProxy's side.
// Each connection is served on its own thread; stop() (also run by the destructor) wakes every
// wait through a pipe and joins every thread, so nothing outlives the server.
#pragma once
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace lg::stack::test {

class TinyHttpServer {
 public:
  TinyHttpServer() : TinyHttpServer(std::string(kOk)) {}
  explicit TinyHttpServer(std::string reply) : reply_(std::move(reply)) {
    if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof(a);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close_all_fds();
      throw std::runtime_error("TinyHttpServer: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  TinyHttpServer(const TinyHttpServer&) = delete;
  TinyHttpServer& operator=(const TinyHttpServer&) = delete;
  ~TinyHttpServer() { stop(); }

  std::uint16_t port() const { return port_; }
  // Requests answered so far, /health included (HAProxy's checks are requests too).
  std::uint64_t requests() const { return requests_.load(); }
  // Requests answered so far, other than /health.
  std::uint64_t app_requests() const { return app_requests_.load(); }

  void stop() {
    if (!accept_thread_.joinable()) return;
    const char byte = 'x';
    // The pipe is never drained: once written, every poll() on it returns at once.
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], &byte, 1);
    accept_thread_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mu_);
      conns.swap(conn_threads_);
    }
    for (auto& t : conns) t.join();
    close_all_fds();
  }

 private:
  bool stopping(int timeout_ms, int fd = -1, short events = 0) {
    pollfd p[2] = {{stop_pipe_[0], POLLIN, 0}, {fd, events, 0}};
    const int n = ::poll(p, fd >= 0 ? 2 : 1, timeout_ms);
    return n > 0 && (p[0].revents & POLLIN) != 0;
  }

  void accept_loop() {
    for (;;) {
      if (stopping(-1, listen_fd_, POLLIN)) return;
      const int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::lock_guard lock(mu_);
      conn_threads_.emplace_back([this, c] { serve(c); });
    }
  }

  void serve(int fd) {
    std::string req;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (req.find("\r\n\r\n") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || stopping(static_cast<int>(left), fd, POLLIN)) return finish(fd);
      const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) return finish(fd);
      if (n > 0) req.append(buf, static_cast<std::size_t>(n));
    }
    // "GET /path HTTP/1.1"
    const auto sp1 = req.find(' ');
    const auto sp2 = req.find(' ', sp1 + 1);
    const std::string_view path =
        std::string_view(req).substr(sp1 + 1, sp2 == std::string::npos ? 0 : sp2 - sp1 - 1);
    if (path.starts_with("/slow?ms=")) {
      int ms = 0;
      const auto digits = path.substr(9);
      std::from_chars(digits.data(), digits.data() + digits.size(), ms);
      if (ms > 0 && ms <= 60000 && stopping(ms)) return finish(fd);
    }
    // Counted before the reply goes out, so a client that has its answer sees the count.
    ++requests_;
    if (path != "/health") ++app_requests_;
    [[maybe_unused]] const auto n = ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    finish(fd);
  }

  static void finish(int fd) {
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }

  void close_all_fds() {
    for (int* fd : {&listen_fd_, &stop_pipe_[0], &stop_pipe_[1]}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  static constexpr std::string_view kOk =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
      "Connection: close\r\n\r\nok\n";

  const std::string reply_;
  int stop_pipe_[2] = {-1, -1};
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> app_requests_{0};
  std::mutex mu_;
  std::vector<std::thread> conn_threads_;
  std::thread accept_thread_;
};

}  // namespace lg::stack::test
