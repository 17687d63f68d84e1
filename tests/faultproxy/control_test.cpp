// The fault proxy's control line (loadgen/faultproxy/control.h) on real routes.
#include "loadgen/faultproxy/control.h"

#include <uv.h>

#include <catch2/catch.hpp>

#include "tests/support/test_server.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using lg::faultproxy::answer;
using lg::faultproxy::Proxy;
using lg::faultproxy::Routes;

TEST_CASE("control: set and stats on a route; bad commands name what is accepted", "[faultproxy]") {
  lg::test::TestServer backend;
  sockaddr_in up{};
  REQUIRE(uv_ip4_addr("127.0.0.1", backend.port(), &up) == 0);
  Routes routes;
  auto proxy = std::make_unique<Proxy>(0, up);
  const std::string port = std::to_string(proxy->port());
  routes[proxy->port()] = std::move(proxy);

  CHECK(answer(routes, "set " + port + " down.latency_ms=50 hang=1") == "ok");
  CHECK(answer(routes, "stats " + port) ==
        "accepted=0 upstream_failed=0 reset=0 bytes_up=0 bytes_down=0 delayed=0 open=0");
  CHECK(answer(routes, "set " + port + " clear") == "ok");

  CHECK_THAT(answer(routes, "kill " + port), StartsWith("error: unknown command 'kill'"));
  CHECK_THAT(answer(routes, "set 1 hang=1"), Contains("no route listens on '1' (routes: " + port));
  CHECK_THAT(answer(routes, "stats x"), Contains("no route listens on 'x'"));
  CHECK(answer(routes, "set " + port + " hang=3") == "error: hang=3: must be 0 or 1");
}
