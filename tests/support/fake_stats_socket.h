// A stand-in for HAProxy's stats socket (the runtime API) on a unix socket path: each
// connection's first line is recorded and answered with reply(line), then the connection is
// closed, as HAProxy does in non-interactive mode. A reply of nullopt is silence: the connection
// is held open, unanswered, until the fake is destroyed (a peer that never answers).
// One thread serves the connections one at a time; the destructor stops it.
#pragma once
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lg::test {

class FakeStatsSocket {
 public:
  using Reply = std::function<std::optional<std::string>(const std::string& line)>;

  FakeStatsSocket(std::filesystem::path path, Reply reply)
      : path_(std::move(path)), reply_(std::move(reply)) {
    REQUIRE(::pipe2(stop_, O_CLOEXEC) == 0);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { loop(); });
  }
  FakeStatsSocket(const FakeStatsSocket&) = delete;
  FakeStatsSocket& operator=(const FakeStatsSocket&) = delete;
  ~FakeStatsSocket() {
    const char b = 'x';
    [[maybe_unused]] const auto n = ::write(stop_[1], &b, 1);
    thread_.join();
    ::close(fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }

  // The lines received so far, in order.
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  // True once fd is readable; false once the destructor asked the thread to stop.
  bool wait(int fd) {
    pollfd p[2] = {{stop_[0], POLLIN, 0}, {fd, POLLIN, 0}};
    ::poll(p, 2, -1);
    return (p[0].revents & POLLIN) == 0;
  }
  void loop() {
    while (wait(fd_)) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string line;
      char ch = 0;
      while (wait(c) && ::recv(c, &ch, 1, 0) == 1 && ch != '\n') line += ch;
      {
        std::lock_guard lock(mu_);
        lines_.push_back(line);
      }
      const auto r = reply_(line);
      if (!r) {  // silent: hold the connection until stop
        wait(stop_[0]);
        ::close(c);
        return;
      }
      [[maybe_unused]] const auto n = ::send(c, r->data(), r->size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  std::filesystem::path path_;
  Reply reply_;
  int fd_ = -1;
  int stop_[2] = {-1, -1};
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::thread thread_;
};

}  // namespace lg::test
