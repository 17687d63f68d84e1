// The autoscaler's /health and /metrics endpoint (a real loopback socket, port 0) and its
// command line. No stack.
#include "stack/autoscaler/endpoint.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "stack/autoscaler/options.h"
#include "stack/http_probe.h"

namespace {

namespace as = lg::stack::autoscaler;
using namespace std::chrono_literals;

as::ControllerStatus sample_status() {
  as::ControllerStatus s;
  s.current = 3;
  s.desired = 4;
  s.inputs.cpu_percent = 83.5;
  s.inputs.rps_per_replica = 120;
  s.inputs.response_ms = 40;
  s.inputs.error_rate = 0.01;
  s.inputs.queue = 2;
  s.inputs.replicas = 3;
  s.inputs.healthy = 3;
  s.last_decision_s = 12.5;
  s.last_action = as::Action::kUp;
  s.last_reason = "cpu 83.5% > 70%; a \"quoted\" \\ path\nnext";
  s.scale_ups = 2;
  s.scale_downs = 1;
  s.recoveries = 1;
  s.checks = 7;
  return s;
}

// Sends raw bytes, returns everything until the server closes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  if (!bytes.empty()) REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) > 0);
  std::string out;
  char buf[4096];
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("render_metrics: Prometheus text with escaped labels", "[autoscaler]") {
  const auto text = as::render_metrics(sample_status());
  for (const char* line : {
           "# TYPE loadgen_autoscaler_replicas gauge\n",
           "loadgen_autoscaler_replicas{kind=\"current\"} 3\n",
           "loadgen_autoscaler_replicas{kind=\"desired\"} 4\n",
           "loadgen_autoscaler_inputs{input=\"cpu_percent\"} 83.5\n",
           "loadgen_autoscaler_inputs{input=\"rps_per_replica\"} 120\n",
           "loadgen_autoscaler_inputs{input=\"response_ms\"} 40\n",
           "loadgen_autoscaler_inputs{input=\"error_rate\"} 0.01\n",
           "loadgen_autoscaler_inputs{input=\"queue\"} 2\n",
           "loadgen_autoscaler_inputs{input=\"replicas\"} 3\n",
           "loadgen_autoscaler_inputs{input=\"healthy\"} 3\n",
           "loadgen_autoscaler_last_decision_seconds 12.5\n",
           "loadgen_autoscaler_last_decision{action=\"up\",reason=\"cpu 83.5% > 70%; a "
           "\\\"quoted\\\" \\\\ path\\nnext\"} 1\n",
           "# TYPE loadgen_autoscaler_scale_events_total counter\n",
           "loadgen_autoscaler_scale_events_total{direction=\"up\"} 2\n",
           "loadgen_autoscaler_scale_events_total{direction=\"down\"} 1\n",
           "loadgen_autoscaler_recoveries_total 1\n",
           "loadgen_autoscaler_checks_total 7\n",
           "loadgen_autoscaler_errors_total{kind=\"observe\"} 0\n",
       }) {
    INFO(line);
    CHECK(text.find(line) != std::string::npos);
  }
  // Every line is a comment or "name{labels} value": no raw newline inside a label.
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    REQUIRE(end != std::string::npos);
    const auto line = text.substr(start, end - start);
    CHECK((line.starts_with("# ") || line.starts_with("loadgen_autoscaler_")));
    start = end + 1;
  }
  CHECK(as::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  as::ControllerStatus fresh;
  CHECK(as::render_metrics(fresh).find("loadgen_autoscaler_last_decision_seconds 0\n") !=
        std::string::npos);
  CHECK(as::render_metrics(fresh).find("action=\"none\",reason=\"no decision yet\"") !=
        std::string::npos);
}

TEST_CASE("HttpEndpoint: /health, /metrics, errors, and a clean stop", "[autoscaler]") {
  int polled = 0;
  auto ep = as::HttpEndpoint::start(0, as::autoscaler_handler([&polled] {
                                      ++polled;
                                      return sample_status();
                                    }));
  REQUIRE(ep.has_value());
  const auto port = (*ep)->port();
  REQUIRE(port != 0);

  auto health = lg::stack::http_get("127.0.0.1", port, "/health", 2000ms);
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  CHECK(health->body == "ok");
  CHECK(*health->header("Connection") == "close");

  auto metrics = lg::stack::http_get("127.0.0.1", port, "/metrics?x=1", 2000ms);
  REQUIRE(metrics.has_value());
  CHECK(metrics->status == 200);
  CHECK(*metrics->header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics->body == as::render_metrics(sample_status()));
  CHECK(polled == 1);

  auto missing = lg::stack::http_get("127.0.0.1", port, "/nope", 2000ms);
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);

  const auto post = raw_exchange(port, "POST /health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(post.starts_with("HTTP/1.1 405 "));
  const auto head = raw_exchange(port, "HEAD /health HTTP/1.1\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.ends_with("\r\n\r\n"));  // no body
  const auto junk = raw_exchange(port, "hello\r\n\r\n");
  CHECK(junk.starts_with("HTTP/1.1 400 "));
  const auto big = raw_exchange(port, "GET /" + std::string(10000, 'a'));
  CHECK(big.starts_with("HTTP/1.1 400 "));

  // A port in use is an error naming it.
  auto again = as::HttpEndpoint::start(port, as::autoscaler_handler(sample_status));
  REQUIRE_FALSE(again.has_value());
  CHECK_THAT(again.error(), Catch::Contains("127.0.0.1:" + std::to_string(port)));

  // A client that connects and says nothing does not hold up stop().
  const int idle = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::this_thread::sleep_for(50ms);  // let the server accept it and wait for its request
  const auto t0 = std::chrono::steady_clock::now();
  (*ep)->stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  ::close(idle);
  (*ep)->stop();  // idempotent
  CHECK_FALSE(lg::stack::http_get("127.0.0.1", port, "/health", 500ms).has_value());
}

TEST_CASE("autoscaler command line", "[autoscaler]") {
  const std::vector<std::string> base{"--run-dir",      "/tmp/run", "--base-port", "18000",
                                      "--min",          "2",        "--max",       "4",
                                      "--fpm-children", "3"};
  auto with = [&base](std::vector<std::string> more) {
    auto all = base;
    all.insert(all.end(), more.begin(), more.end());
    return as::parse_args(all);
  };
  SECTION("required flags and defaults") {
    auto c = as::parse_args(base);
    REQUIRE(c.has_value());
    CHECK(c->run_dir == "/tmp/run");
    CHECK(c->base_port == 18000);
    CHECK(c->fpm_children == 3);
    CHECK_FALSE(c->detached);
    CHECK(c->knobs.min_replicas == 2);
    CHECK(c->knobs.max_replicas == 4);
    CHECK(c->knobs.check_interval_s == 30);  // the seeds' defaults otherwise
    CHECK(c->knobs.algorithm == as::Algorithm::kLinear);
  }
  SECTION("every optional flag") {
    auto c = with({"--algorithm",
                   "target_tracking",
                   "--check-interval",
                   "2s",
                   "--cooldown=500ms",
                   "--window",
                   "10s",
                   "--stabilization",
                   "2m",
                   "--scale-up-cpu",
                   "80",
                   "--scale-up-rps",
                   "120.5",
                   "--scale-up-response-ms",
                   "900",
                   "--scale-up-error-rate",
                   "0.1",
                   "--scale-down-cpu",
                   "20",
                   "--scale-down-rps",
                   "40",
                   "--scale-down-response-ms",
                   "100",
                   "--factor",
                   "2",
                   "--target-metric",
                   "rps",
                   "--target-value",
                   "75",
                   "--horizon",
                   "4s",
                   "--detached"});
    REQUIRE(c.has_value());
    const auto& k = c->knobs;
    CHECK(k.algorithm == as::Algorithm::kTargetTracking);
    CHECK(k.check_interval_s == 2);
    CHECK(k.cooldown_s == 0.5);
    CHECK(k.window_s == 10);
    CHECK(k.scale_down_stabilization_s == 120);
    CHECK(k.scale_up_cpu == 80);
    CHECK(k.scale_up_rps == 120.5);
    CHECK(k.scale_up_response_ms == 900);
    CHECK(k.scale_up_error_rate == 0.1);
    CHECK(k.scale_down_cpu == 20);
    CHECK(k.scale_down_rps == 40);
    CHECK(k.scale_down_response_ms == 100);
    CHECK(k.exponential_factor == 2);
    CHECK(k.target_metric == as::TargetMetric::kRpsPerReplica);
    CHECK(k.target_value == 75);
    CHECK(k.predictive_horizon_s == 4);
    CHECK(c->detached);
  }
  SECTION("errors name the flag, the value and what is accepted") {
    const auto err = [&with](std::vector<std::string> more) {
      auto c = with(std::move(more));
      REQUIRE_FALSE(c.has_value());
      return c.error();
    };
    CHECK(err({"--min", "0"}) == "--min: \"0\" is not accepted: expected an integer in [1, 53]");
    CHECK(err({"--base-port", "65500"}) ==
          "--base-port: \"65500\" is not accepted: expected an integer in [1, 65408]");
    CHECK_THAT(err({"--check-interval", "2"}),
               Catch::StartsWith("--check-interval: \"2\" is not accepted: expected a duration"));
    CHECK_THAT(err({"--algorithm", "magic"}), Catch::Contains("linear, exponential"));
    CHECK_THAT(err({"--target-metric", "memory"}), Catch::Contains("cpu or rps"));
    CHECK_THAT(err({"--scale-up-cpu", "lots"}), Catch::StartsWith("--scale-up-cpu: \"lots\""));
    CHECK_THAT(err({"--fpm-children", "0"}), Catch::Contains("[1, 256]"));
    CHECK_THAT(err({"--bogus"}), Catch::StartsWith("unknown argument \"--bogus\""));
    CHECK(err({"--factor"}) == "--factor: a value is needed");
    // Policy validate() failures, with the flag that sets the knob.
    CHECK_THAT(err({"--min", "5"}),
               Catch::Contains("max_replicas = 4: must be >= min_replicas (5) (--max)"));
    CHECK_THAT(err({"--scale-down-cpu", "90"}), Catch::Contains("(--scale-down-cpu)"));
    CHECK_THAT(err({"--check-interval", "0s"}), Catch::Contains("(--check-interval)"));
    CHECK_THAT(err({"--factor", "3"}), Catch::Contains("(--factor)"));
    auto missing = as::parse_args({"--min", "2"});
    REQUIRE_FALSE(missing.has_value());
    CHECK_THAT(missing.error(),
               Catch::StartsWith("missing --run-dir, --base-port, --max, --fpm-children"));
  }
  SECTION("--help") {
    auto c = as::parse_args({"--help"});
    REQUIRE(c.has_value());
    CHECK(c->help);
    CHECK_THAT(as::usage(), Catch::StartsWith("usage: loadgen-autoscaler --run-dir DIR"));
  }
}
