// Truth under failure over HTTPS: the broken-target cases of broken_target_test.cpp met through
// a TLS front (tests/support/tls_relay.h) on the real TLS transport, plus a TLS layer that
// hangs, answers garbage or resets during the handshake, a certificate nobody trusts, and a
// body cut without close_notify. Each asserts the failure kinds, that every arrival ends as
// exactly one outcome, and the handshake counts against the relay's own.
#include <catch2/catch.hpp>
#include <string>

#include "loadgen/engine/coordinator.h"
#include "stack/tls_cert.h"
#include "tests/engine/engine_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/tls_relay.h"

using lg::ErrorKind;
using lg::RunPlan;
using namespace lg::test;  // the shared helpers of tests/support

namespace {

// A certificate for 127.0.0.1 made for the test, and the files it lives in.
struct Cert {
  TempDir dir;
  std::string cert = (dir.path() / "cert.pem").string();
  std::string key = (dir.path() / "key.pem").string();
  Cert() { REQUIRE(lg::stack::make_self_signed({cert, key, (dir.path() / "both.pem").string()})); }
};

// Open loop through the relay over TLS, trusting `ca` (empty: the system store), 300 ms timeout.
RunPlan tls_plan(const TestServer& backend, const TlsRelay& relay, const std::string& ca,
                 const std::string& path, double rate, std::int64_t duration_ns) {
  RunPlan plan = open_plan(backend, path, rate, duration_ns, 300 * kMs);
  plan.target.port = relay.port();
  plan.target.tls = true;
  plan.tls.ca_file = ca;
  plan.connections = 16;
  return plan;
}

void check_every_arrival_accounted(const lg::RunResult& r) {
  const auto& c = r.total.counters;
  CHECK(c.scheduled == c.completed + c.failed() + c.dropped + c.abandoned);
  CHECK(r.generator.clean_shutdown);
}

std::string counts(const lg::Counters& c) {
  std::string s = "scheduled " + std::to_string(c.scheduled) + ", completed " +
                  std::to_string(c.completed) + ", dropped " + std::to_string(c.dropped);
  for (std::size_t k = 0; k < lg::kErrorKinds; ++k) {
    s += ", " + std::string(lg::error_kind_name(static_cast<ErrorKind>(k))) + " " +
         std::to_string(c.errors[k]);
  }
  return s;
}

}  // namespace

TEST_CASE("broken tls target: the happy path keeps one handshake per connection", "[engine]") {
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/", 100, 500 * kMs));
  const auto& c = r.total.counters;
  INFO(counts(c));
  CHECK(c.completed == 50);
  CHECK(c.failed() == 0);
  CHECK(c.handshakes == c.connects);
  CHECK(c.handshakes == relay.handshakes());
  CHECK(c.handshakes < 10);  // keep-alive: far fewer handshakes than requests
  CHECK(backend.requests() == 50);
  check_every_arrival_accounted(r);
}

TEST_CASE("broken tls target: a connection per request resumes sessions, or not when told",
          "[engine]") {
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  auto plan = tls_plan(backend, relay, cert.cert, "/", 100, 300 * kMs);
  plan.keepalive = false;
  SECTION("resumption on (the default)") {
    const auto r = run_quiet(plan);
    const auto& c = r.total.counters;
    INFO(counts(c));
    CHECK(c.completed == 30);
    CHECK(c.handshakes == 30);
    CHECK(c.resumed == relay.resumed());  // the server agrees on every resumed handshake
    CHECK(c.resumed >= 25);               // all but the first few (before a ticket arrived)
  }
  SECTION("resumption off") {
    plan.tls.resume = false;
    const auto r = run_quiet(plan);
    const auto& c = r.total.counters;
    INFO(counts(c));
    CHECK(c.completed == 30);
    CHECK(c.handshakes == 30);
    CHECK(c.resumed == 0);
    CHECK(relay.resumed() == 0);
  }
}

TEST_CASE("broken tls target: the application's failures keep their kinds over TLS", "[engine]") {
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  struct Case {
    const char* path;
    ErrorKind kind;
  };
  // /hang: no answer (timeout); /reset: the relay resets as the backend did (read); /garbage:
  // bytes that are not HTTP (parse); /short: the body cut by a FIN, close_notify sent (read).
  for (const Case& k : {Case{"/hang", ErrorKind::kTimeout}, Case{"/reset", ErrorKind::kRead},
                        Case{"/garbage", ErrorKind::kParse}, Case{"/short", ErrorKind::kRead},
                        Case{"/status/503", ErrorKind::kHttp5xx}}) {
    INFO(k.path);
    const auto r = run_quiet(tls_plan(backend, relay, cert.cert, k.path, 40, 250 * kMs));
    const auto& c = r.total.counters;
    INFO(counts(c));
    CHECK(c.scheduled == 10);
    CHECK(c.completed == 0);
    CHECK(c.error(k.kind) == 10);
    CHECK(c.error(ErrorKind::kTls) == 0);  // the TLS layer itself was fine
    check_every_arrival_accounted(r);
  }
}

TEST_CASE("broken tls target: a server closing after N responses loses no request over TLS",
          "[engine]") {
  Cert cert;
  ServerOptions o;
  o.close_after = 3;
  TestServer backend(o);
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/", 100, 500 * kMs));
  const auto& c = r.total.counters;
  INFO(counts(c));
  CHECK(c.completed == 50);
  CHECK(c.failed() == 0);
  CHECK(c.handshakes >= 50 / 3);  // a new connection, and handshake, after every third
  check_every_arrival_accounted(r);
}

TEST_CASE("broken tls target: a broken handshake fails every request as tls, with the reason",
          "[engine]") {
  Cert cert;
  TestServer backend;
  struct Case {
    TlsRelay::Mode mode;
    const char* reason;  // in the first failure's message
  };
  for (const Case& k : {Case{TlsRelay::Mode::kHandshakeGarbage, ""},
                        Case{TlsRelay::Mode::kHandshakeReset, "during the handshake"}}) {
    TlsRelay relay(backend.port(), cert.cert, cert.key, k.mode);
    const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/", 40, 250 * kMs));
    const auto& c = r.total.counters;
    INFO(counts(c) << "; tls failure: " << r.tls_failure);
    CHECK(c.completed == 0);
    CHECK(c.handshakes == 0);
    CHECK(c.error(ErrorKind::kTls) >= 1);
    CHECK(c.unsuccessful() == c.scheduled);  // nothing passes as an answer
    CHECK_FALSE(r.tls_failure.empty());
    CHECK_THAT(r.tls_failure, Catch::Contains(k.reason));
    CHECK(backend.requests() == 0);
    check_every_arrival_accounted(r);
  }
}

TEST_CASE("broken tls target: a handshake that never ends fails every request", "[engine]") {
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key, TlsRelay::Mode::kHandshakeHang);
  const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/", 40, 250 * kMs));
  const auto& c = r.total.counters;
  INFO(counts(c) << "; tls failure: " << r.tls_failure);
  CHECK(c.scheduled == 10);
  CHECK(c.completed == 0);
  CHECK(c.handshakes == 0);
  // No connection ever becomes ready, so each arrival waits its timeout for one and is
  // dropped (never sent): an error rate of 100 %, though not yet a kind of its own.
  CHECK(c.unsuccessful() == 10);
  CHECK(relay.accepted() >= 1);
  check_every_arrival_accounted(r);
}

TEST_CASE("broken tls target: a certificate nobody trusts is a tls failure naming the reason",
          "[engine]") {
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  // The system store does not know the test's certificate.
  const auto r = run_quiet(tls_plan(backend, relay, "", "/", 40, 250 * kMs));
  const auto& c = r.total.counters;
  INFO(counts(c));
  CHECK(c.completed == 0);
  CHECK(c.error(ErrorKind::kTls) >= 1);
  CHECK(c.unsuccessful() == c.scheduled);
  CHECK_THAT(r.tls_failure, Catch::Contains("certificate verify failed"));
  CHECK(backend.requests() == 0);
  check_every_arrival_accounted(r);
}

TEST_CASE("broken tls target: a close-delimited body ended without close_notify is not trusted",
          "[engine]") {
  // /eof's body ends when the server closes. Over TLS only close_notify proves the end: a bare
  // FIN may be an attacker cutting the body (a truncation attack), so it is a read error.
  Cert cert;
  TestServer backend;
  SECTION("without close_notify: a read error") {
    TlsRelay relay(backend.port(), cert.cert, cert.key, TlsRelay::Mode::kNoCloseNotify);
    const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/eof", 40, 250 * kMs));
    INFO(counts(r.total.counters));
    CHECK(r.total.counters.completed == 0);
    CHECK(r.total.counters.error(ErrorKind::kRead) == 10);
    check_every_arrival_accounted(r);
  }
  SECTION("with close_notify: complete") {
    TlsRelay relay(backend.port(), cert.cert, cert.key);
    const auto r = run_quiet(tls_plan(backend, relay, cert.cert, "/eof", 40, 250 * kMs));
    INFO(counts(r.total.counters));
    CHECK(r.total.counters.completed == 10);
    CHECK(r.total.counters.failed() == 0);
    check_every_arrival_accounted(r);
  }
}

TEST_CASE("broken tls target: a pre-opened pool beyond the connect window opens whole, lean",
          "[engine]") {
  // 300 connections on one worker: above the 256 connects kept in progress at once (the rest
  // open as those finish) and above the lean-mode threshold (OpenSSL's buffers freed when idle).
  Cert cert;
  TestServer backend;
  TlsRelay relay(backend.port(), cert.cert, cert.key);
  auto plan = tls_plan(backend, relay, cert.cert, "/", 100, 500 * kMs);
  plan.connections = 300;
  plan.preconnect = true;
  plan.timeout_ns = 2000 * kMs;  // 300 handshakes on one core before the first sends
  const auto r = run_quiet(plan);
  const auto& c = r.total.counters;
  INFO(counts(c));
  CHECK(c.connects == 300);
  CHECK(c.handshakes == 300);
  CHECK(relay.handshakes() == 300);
  CHECK(c.resumed > 0);  // sessions from the first handshakes serve the later ones
  CHECK(c.completed == 50);
  CHECK(c.failed() == 0);
  CHECK(backend.requests() == 50);
  check_every_arrival_accounted(r);
}
