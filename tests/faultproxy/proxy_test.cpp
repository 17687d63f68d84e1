// The fault proxy (loadgen/faultproxy/proxy.h) between the real engine and the loopback test
// server: untouched bytes when no toxic is set (and no chunk delayed), latency as asked within
// the timer's 1 ms, reset as read errors, hang as timeouts, a bandwidth as a slower body, and
// toxics switched while connections are open.
#include "loadgen/faultproxy/proxy.h"

#include <uv.h>

#include <catch2/catch.hpp>

#include "loadgen/engine/coordinator.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/test_server.h"
#include "tests/support/wait_until.h"

using lg::ErrorKind;
using lg::RunPlan;
using lg::faultproxy::Proxy;
using lg::faultproxy::Toxic;
using lg::faultproxy::Toxics;
using namespace lg::test;  // the shared helpers of tests/support

namespace {

sockaddr_in upstream(const TestServer& s) {
  sockaddr_in a{};
  REQUIRE(uv_ip4_addr("127.0.0.1", s.port(), &a) == 0);
  return a;
}

RunPlan through(const Proxy& proxy, const TestServer& backend, const std::string& path, double rate,
                std::int64_t duration_ns, std::int64_t timeout_ns = 2000 * kMs) {
  RunPlan plan = open_plan(backend, path, rate, duration_ns, timeout_ns);
  plan.target.port = proxy.port();
  plan.connections = 8;
  return plan;
}

Toxic latency(std::int64_t ns) {
  Toxic t;
  t.latency_ns = ns;
  return t;
}

Toxics downstream(Toxic t) {
  Toxics x;
  x.downstream = t;
  return x;
}

Toxics upstream_only(Toxic t) {
  Toxics x;
  x.upstream = t;
  return x;
}

Toxics flag(bool Toxics::*which) {
  Toxics x;
  x.*which = true;
  return x;
}

void check_accounted(const lg::RunResult& r) {
  const auto& c = r.total.counters;
  CHECK(c.scheduled == c.completed + c.failed() + c.dropped + c.abandoned);
  CHECK(r.generator.clean_shutdown);
}

}  // namespace

TEST_CASE("fault proxy: no toxic forwards everything at once, nothing delayed", "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  const auto r = run_quiet(through(proxy, backend, "/", 200, 500 * kMs));
  const auto& c = r.total.counters;
  CHECK(c.completed == 100);
  CHECK(c.failed() == 0);
  CHECK(backend.requests() == 100);
  const auto s = proxy.stats();
  CHECK(s.delayed == 0);  // the direct path: no queue, no timer
  CHECK(s.accepted == c.connects);
  CHECK(s.bytes_up > 0);
  CHECK(s.bytes_down > 0);
  check_accounted(r);
}

TEST_CASE("fault proxy: a downstream latency adds that much to every response", "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  proxy.set(downstream(latency(50 * kMs)));
  const auto r = run_quiet(through(proxy, backend, "/", 40, 500 * kMs));
  const auto& c = r.total.counters;
  CHECK(c.completed == 20);
  CHECK(c.failed() == 0);
  // Never early; late by at most the timer's 1 ms tick plus a loaded machine's scheduling.
  CHECK(r.total.latency.min() >= 50'000);
  CHECK(r.total.latency.value_at_percentile(50) < 60'000);
  CHECK(proxy.stats().delayed >= 20);
  check_accounted(r);
}

TEST_CASE("fault proxy: an upstream latency delays the requests the same way", "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  proxy.set(upstream_only(latency(30 * kMs)));
  const auto r = run_quiet(through(proxy, backend, "/", 40, 250 * kMs));
  CHECK(r.total.counters.completed == 10);
  CHECK(r.total.latency.min() >= 30'000);
  CHECK(r.total.latency.value_at_percentile(50) < 40'000);
}

TEST_CASE("fault proxy: reset makes every request a read error, and clearing it heals",
          "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  proxy.set(flag(&Toxics::reset));
  const auto bad = run_quiet(through(proxy, backend, "/", 100, 200 * kMs));
  const auto& c = bad.total.counters;
  INFO("completed " << c.completed << ", read " << c.errors[static_cast<int>(ErrorKind::kRead)]
                    << ", connect " << c.errors[static_cast<int>(ErrorKind::kConnect)]);
  CHECK(c.completed == 0);
  CHECK(c.scheduled == 20);
  CHECK(c.errors[static_cast<int>(ErrorKind::kRead)] +
            c.errors[static_cast<int>(ErrorKind::kConnect)] ==
        c.scheduled - c.dropped);
  CHECK(backend.requests() == 0);
  CHECK(proxy.stats().reset > 0);
  check_accounted(bad);

  proxy.set(Toxics{});
  const auto good = run_quiet(through(proxy, backend, "/", 100, 200 * kMs));
  CHECK(good.total.counters.completed == 20);
  CHECK(good.total.counters.failed() == 0);
}

TEST_CASE("fault proxy: hang holds every request until it times out", "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  proxy.set(flag(&Toxics::hang));
  const auto r = run_quiet(through(proxy, backend, "/", 50, 200 * kMs, 150 * kMs));
  const auto& c = r.total.counters;
  CHECK(c.completed == 0);
  CHECK(c.errors[static_cast<int>(ErrorKind::kTimeout)] + c.dropped == c.scheduled);
  CHECK(c.errors[static_cast<int>(ErrorKind::kTimeout)] > 0);
  CHECK(backend.requests() == 0);  // nothing got through
  check_accounted(r);
}

TEST_CASE("fault proxy: a downstream bandwidth slows a large body to its rate", "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  // 1 MB/s: a 100,000-byte body takes at least 100 ms on the line.
  Toxic line;
  line.bytes_per_s = 1'000'000;
  proxy.set(downstream(line));
  const auto r = run_quiet(through(proxy, backend, "/bytes/100000", 5, 200 * kMs));
  CHECK(r.total.counters.completed == 1);
  CHECK(r.total.latency.min() >= 100'000);
  CHECK(r.total.latency.max() < 200'000);
}

TEST_CASE("fault proxy: latency switched on and off between runs through one proxy",
          "[faultproxy]") {
  TestServer backend;
  Proxy proxy(0, upstream(backend));
  auto plan = through(proxy, backend, "/", 50, 200 * kMs);
  plan.connections = 1;
  plan.preconnect = true;  // one connection per run, opened at its start
  const auto before = run_quiet(plan);
  proxy.set(downstream(latency(40 * kMs)));
  const auto during = run_quiet(plan);
  proxy.set(Toxics{});
  const auto after = run_quiet(plan);
  CHECK(before.total.latency.max() < 40'000);
  CHECK(during.total.latency.min() >= 40'000);
  CHECK(after.total.latency.value_at_percentile(50) < 40'000);
  // Every run closed its connection; the proxy closes its two sides as the FINs pass.
  CHECK(wait_until([&] { return proxy.stats().open == 0; }));
}
