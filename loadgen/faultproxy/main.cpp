// loadgen-faultproxy: TCP routes 127.0.0.1:LISTEN -> 127.0.0.1:UPSTREAM with toxics switched
// over a control port (control.h). Started by the embedded stack between HAProxy and the
// replicas when a scenario injects network faults; stopped by SIGTERM or SIGINT.
//   loadgen-faultproxy --control PORT --route LISTEN:UPSTREAM [--route ...]
// Prints "ready control=PORT routes=LISTEN:UPSTREAM,..." on stdout once every port listens.
// Exit 0 after a signal, 2 for bad arguments, 1 when a port cannot be listened on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "loadgen/faultproxy/control.h"

namespace {

using lg::faultproxy::Routes;

bool parse_port(std::string_view s, std::uint16_t& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size() && out > 0;
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "loadgen-faultproxy: %s\nusage: loadgen-faultproxy --control PORT --route "
               "LISTEN:UPSTREAM [--route LISTEN:UPSTREAM ...]\n",
               why.c_str());
  return 2;
}

int listen_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Answers each line of one control connection, until it closes.
void serve(Routes& routes, int fd) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    const auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    buf.append(chunk, static_cast<std::size_t>(n));
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::string reply = lg::faultproxy::answer(routes, line) + "\n";
      if (::write(fd, reply.data(), reply.size()) < 0) return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t control = 0;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> wanted;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--control") {
      if (!parse_port(value, control))
        return usage("--control " + value + ": not a port (1..65535)");
    } else if (arg == "--route") {
      const auto colon = value.find(':');
      std::uint16_t from = 0, to = 0;
      if (colon == std::string::npos || !parse_port(value.substr(0, colon), from) ||
          !parse_port(value.substr(colon + 1), to)) {
        return usage("--route " + value + ": expected LISTEN:UPSTREAM, two ports");
      }
      wanted.emplace_back(from, to);
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (control == 0 || wanted.empty()) return usage("--control and at least one --route are needed");

  // Signals are taken by sigwait below, not by a handler: block them before any thread starts.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // A write to a peer that has gone (a client that timed out during a hang, then the hang is
  // cleared) is an error for that connection, never a SIGPIPE that kills every route.
  std::signal(SIGPIPE, SIG_IGN);

  Routes routes;
  std::string listed;
  try {
    for (const auto& [from, to] : wanted) {
      sockaddr_in up{};
      up.sin_family = AF_INET;
      up.sin_port = htons(to);
      up.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      routes[from] = std::make_unique<lg::faultproxy::Proxy>(from, up);
      listed += (listed.empty() ? "" : ",") + std::to_string(from) + ":" + std::to_string(to);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen-faultproxy: %s\n", e.what());
    return 1;
  }
  const int lfd = listen_loopback(control);
  if (lfd < 0) {
    std::fprintf(stderr, "loadgen-faultproxy: cannot listen on 127.0.0.1:%u: %s\n", control,
                 std::strerror(errno));
    return 1;
  }
  int wake[2];
  if (::pipe(wake) != 0) return 1;
  std::thread controller([&] {
    for (;;) {
      pollfd fds[2] = {{lfd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      const int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(routes, c);
      ::close(c);
    }
  });
  std::printf("ready control=%u routes=%s\n", control, listed.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  (void)!::write(wake[1], "x", 1);
  controller.join();
  ::close(lfd);
  routes.clear();  // each proxy closes its connections and joins its loop
  return 0;
}
