// Small POSIX helpers shared by the stack's socket and process code.
#pragma once
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>

namespace lg::stack {

// Owns a file descriptor; closes it on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

inline std::string errno_text(int err) {
  return std::strerror(err);
}

// Milliseconds left until `deadline`, for poll(): 0 once it has passed, at most 1,000 s.
inline int poll_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
          .count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000));
}

// Waits for `events` on `fd` until `deadline`: true when ready, false on timeout, an error
// text if poll fails.
inline std::expected<bool, std::string> wait_fd(int fd, short events,
                                                std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, poll_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return std::unexpected("poll: " + errno_text(errno));
  }
}

// Completes a non-blocking connect that returned EINPROGRESS: waits for writability until
// `deadline`, then reads the socket's error. Errors read "connect timed out" or "connect: ...".
inline std::expected<void, std::string> finish_connect(
    int fd, std::chrono::steady_clock::time_point deadline) {
  const auto ready = wait_fd(fd, POLLOUT, deadline);
  if (!ready) return std::unexpected(ready.error());
  if (!*ready) return std::unexpected("connect timed out");
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) return std::unexpected("connect: " + errno_text(so_error));
  return {};
}

// Sends all of `data` on a non-blocking socket until `deadline`. MSG_NOSIGNAL: a peer that
// closes early is an error here, not a SIGPIPE for the process. Errors read "send: ..." or
// "timed out sending".
inline std::expected<void, std::string> send_all(int fd, std::string_view data,
                                                 std::chrono::steady_clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return std::unexpected("send: " + errno_text(errno));
    const auto ready = wait_fd(fd, POLLOUT, deadline);
    if (!ready) return std::unexpected(ready.error());
    if (!*ready) return std::unexpected("timed out sending");
  }
  return {};
}

}  // namespace lg::stack
