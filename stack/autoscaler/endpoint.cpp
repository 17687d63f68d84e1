#include "stack/autoscaler/endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace lg::stack::autoscaler {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxHead = 8192;
constexpr std::chrono::milliseconds kRequestTimeout{2000};

std::string errno_text() {
  return std::strerror(errno);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 500:
      return "Internal Server Error";
    default:
      return "Unknown";
  }
}

int ms_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

// Waits until fd is ready for `events` or the wake pipe fires or the deadline passes.
// 1 = ready, 0 = timeout, -1 = woken (stop) or error.
int wait_fd(int fd, short events, int wake, Clock::time_point deadline) {
  while (true) {
    std::array<pollfd, 2> fds{{{fd, events, 0}, {wake, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), ms_left(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN) != 0) return -1;
    if (n == 0) return 0;
    return 1;
  }
}

void send_all(int fd, std::string_view data, int wake, Clock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_fd(fd, POLLOUT, wake, deadline) != 1) return;
      continue;
    }
    return;  // the client went away
  }
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.10g", v);
  return buf.data();
}

}  // namespace

std::expected<std::unique_ptr<HttpEndpoint>, std::string> HttpEndpoint::start(
    std::uint16_t port, HttpHandler handler, const std::string& host) {
  const std::string where = host + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return std::unexpected("autoscaler endpoint: bad address " + where +
                           " (a numeric IPv4 address is needed)");
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return std::unexpected("autoscaler endpoint: socket: " + errno_text());
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // sockaddr_in is layout-compatible with sockaddr: the POSIX socket API wants the cast.
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 64) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    return std::unexpected("autoscaler endpoint: cannot listen on " + where + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::array<int, 2> pipe_fds{-1, -1};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    return std::unexpected("autoscaler endpoint: pipe: " + why);
  }
  return std::unique_ptr<HttpEndpoint>(
      new HttpEndpoint(fd, pipe_fds[0], pipe_fds[1], ntohs(addr.sin_port), std::move(handler)));
}

HttpEndpoint::HttpEndpoint(int listen_fd, int wake_read, int wake_write, std::uint16_t port,
                           HttpHandler handler)
    : listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      port_(port),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { serve(); });
}

HttpEndpoint::~HttpEndpoint() {
  stop();
}

void HttpEndpoint::stop() {
  if (thread_.joinable()) {
    const char byte = 'x';
    while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  for (int* fd : {&listen_fd_, &wake_read_, &wake_write_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void HttpEndpoint::serve() {
  while (true) {
    std::array<pollfd, 2> fds{{{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // EAGAIN (the client gave up), EMFILE...: try again on the next one
    answer(fd);
    ::close(fd);
  }
}

void HttpEndpoint::answer(int fd) {
  const auto deadline = Clock::now() + kRequestTimeout;
  std::string head;
  std::array<char, 2048> buf{};
  HttpResponse res;
  bool complete = false;
  while (head.size() <= kMaxHead) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      head.append(buf.data(), static_cast<std::size_t>(n));
      if (head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos) {
        complete = true;
        break;
      }
      continue;
    }
    if (n == 0) return;  // closed before a whole request head
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return;
    const int ready = wait_fd(fd, POLLIN, wake_read_, deadline);
    if (ready < 0) return;  // stopping
    if (ready == 0) {
      res = {408, "text/plain; charset=utf-8", "request head not received within 2 s\n"};
      break;
    }
  }
  std::string method;
  if (complete) {
    // "GET /path?query HTTP/1.1"
    const auto eol = head.find_first_of("\r\n");
    const std::string line = head.substr(0, eol);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos ||
        !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
      res = {400, "text/plain; charset=utf-8", "malformed request line\n"};
    } else {
      method = line.substr(0, sp1);
      std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
      if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
      if (method != "GET" && method != "HEAD") {
        res = {405, "text/plain; charset=utf-8", "only GET\n"};
      } else {
        try {
          res = handler_ ? handler_(method, path) : HttpResponse{404, res.content_type, ""};
        } catch (const std::exception& e) {
          res = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n"};
        }
      }
    }
  } else if (res.status == 200) {
    res = {400, "text/plain; charset=utf-8", "request head too large\n"};
  }
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + reason_phrase(res.status) +
                    "\r\nContent-Type: " + res.content_type +
                    "\r\nContent-Length: " + std::to_string(res.body.size()) +
                    "\r\nConnection: close\r\n";
  if (res.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (method != "HEAD") out += res.body;
  send_all(fd, out, wake_read_, deadline + kRequestTimeout);
  ::shutdown(fd, SHUT_WR);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_metrics(const ControllerStatus& s) {
  std::string o;
  const auto help = [&o](const char* name, const char* type, const char* text) {
    o += std::string("# HELP ") + name + " " + text + "\n# TYPE " + name + " " + type + "\n";
  };
  help("loadgen_autoscaler_replicas", "gauge",
       "Replicas: current (in the replica set) and desired (by the last decision).");
  o += "loadgen_autoscaler_replicas{kind=\"current\"} " + std::to_string(s.current) + "\n";
  o += "loadgen_autoscaler_replicas{kind=\"desired\"} " + std::to_string(s.desired) + "\n";
  help("loadgen_autoscaler_inputs", "gauge",
       "The last decision's inputs: window means, replicas and healthy from the last sample.");
  const auto input = [&o](const char* name, double value) {
    o += std::string("loadgen_autoscaler_inputs{input=\"") + name + "\"} " + number(value) + "\n";
  };
  for (const auto& f : kInputFields) input(f.key, s.inputs.*f.input);
  input("replicas", static_cast<double>(s.inputs.replicas));
  input("healthy", static_cast<double>(s.inputs.healthy));
  help("loadgen_autoscaler_last_decision_seconds", "gauge",
       "Seconds since the autoscaler started at its last decision (0 before the first).");
  o += "loadgen_autoscaler_last_decision_seconds " + number(s.last_decision_s.value_or(0)) + "\n";
  help("loadgen_autoscaler_last_decision", "gauge", "The last decision: action and reason.");
  o += "loadgen_autoscaler_last_decision{action=\"" + escape_label_value(to_string(s.last_action)) +
       "\",reason=\"" + escape_label_value(s.last_reason) + "\"} 1\n";
  help("loadgen_autoscaler_scale_events_total", "counter", "Scale events by direction.");
  o += "loadgen_autoscaler_scale_events_total{direction=\"up\"} " + std::to_string(s.scale_ups) +
       "\n";
  o += "loadgen_autoscaler_scale_events_total{direction=\"down\"} " +
       std::to_string(s.scale_downs) + "\n";
  help("loadgen_autoscaler_recoveries_total", "counter",
       "Failed replicas replaced (not scale events).");
  o += "loadgen_autoscaler_recoveries_total " + std::to_string(s.recoveries) + "\n";
  help("loadgen_autoscaler_checks_total", "counter", "Checks run.");
  o += "loadgen_autoscaler_checks_total " + std::to_string(s.checks) + "\n";
  help("loadgen_autoscaler_errors_total", "counter",
       "Checks whose observation failed, and failed replica actions.");
  o += "loadgen_autoscaler_errors_total{kind=\"observe\"} " + std::to_string(s.observe_errors) +
       "\n";
  o += "loadgen_autoscaler_errors_total{kind=\"action\"} " + std::to_string(s.action_errors) + "\n";
  return o;
}

HttpHandler autoscaler_handler(std::function<ControllerStatus()> status) {
  return [status = std::move(status)](std::string_view, std::string_view path) -> HttpResponse {
    if (path == "/health") return {200, "text/plain; charset=utf-8", "ok"};
    if (path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(status())};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /health or /metrics\n"};
  };
}

}  // namespace lg::stack::autoscaler
