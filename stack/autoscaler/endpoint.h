// The autoscaler's HTTP endpoint on a loopback port: GET /health and GET /metrics (Prometheus
// text format 0.0.4).
//
// HttpEndpoint is a tiny blocking HTTP/1.1 server: plain POSIX sockets and poll(), one thread,
// one request per connection ("Connection: close"), a request head of at most 8 KiB read within
// 2 s. It serves only GET (HEAD too, without the body); the handler sees the path without the
// query string. stop() (or the destructor) wakes the thread through a pipe and joins it.
//
// Metrics (render_metrics), all gauges except the *_total counters:
//   loadgen_autoscaler_replicas{kind="current"|"desired"}
//   loadgen_autoscaler_inputs{input="cpu_percent"|...}   the last decision's inputs: one per
//                                   kInputFields row (policy.h), then "replicas", "healthy"
//   loadgen_autoscaler_last_decision_seconds   t_s of the last decision (0 before the first)
//   loadgen_autoscaler_last_decision{action="none"|"up"|"down",reason="..."} 1
//   loadgen_autoscaler_scale_events_total{direction="up"|"down"}
//   loadgen_autoscaler_recoveries_total
//   loadgen_autoscaler_checks_total
//   loadgen_autoscaler_errors_total{kind="observe"|"action"}
#pragma once
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "stack/autoscaler/controller.h"

namespace lg::stack::autoscaler {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the endpoint's thread with the method ("GET" or "HEAD") and the path.
using HttpHandler = std::function<HttpResponse(std::string_view method, std::string_view path)>;

class HttpEndpoint {
 public:
  // Listens on host:port (a numeric IPv4 address; port 0 = any free port) and serves on its own
  // thread. Errors: the address is bad or the port is taken (the message names both).
  static std::expected<std::unique_ptr<HttpEndpoint>, std::string> start(
      std::uint16_t port, HttpHandler handler, const std::string& host = "127.0.0.1");
  ~HttpEndpoint();  // stop()
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  std::uint16_t port() const { return port_; }
  // Closes the listener once the request in progress (if any) is answered; the thread joins.
  // Idempotent.
  void stop();

 private:
  HttpEndpoint(int listen_fd, int wake_read, int wake_write, std::uint16_t port,
               HttpHandler handler);
  void serve();
  void answer(int fd);

  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::uint16_t port_ = 0;
  HttpHandler handler_;
  std::thread thread_;
};

// A Prometheus label value with \, " and newline escaped (\\, \", \n).
std::string escape_label_value(std::string_view v);

// The /metrics body for a status.
std::string render_metrics(const ControllerStatus& s);

// The autoscaler's routes: /health -> 200 "ok", /metrics -> render_metrics(status()), anything
// else 404. `status` is called on each /metrics request.
HttpHandler autoscaler_handler(std::function<ControllerStatus()> status);

}  // namespace lg::stack::autoscaler
