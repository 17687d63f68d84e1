// What the loop tests share: an open-loop and a closed-loop plan against the in-process test
// server, and a run without signal handlers that must start.
#pragma once
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "loadgen/engine/coordinator.h"
#include "tests/support/test_server.h"

namespace lg::test {

inline constexpr std::int64_t kMs = 1'000'000;

// One flat step of `rate` requests/s for `duration_ns`, one thread, GET `path`.
inline RunPlan open_plan(const TestServer& server, const std::string& path, double rate,
                         std::int64_t duration_ns, std::int64_t timeout_ns = 2000 * kMs) {
  RunPlan plan;
  plan.target.port = server.port();
  plan.requests[0].path = path;
  plan.threads = 1;
  plan.steps = {{"step", 0, rate, rate, duration_ns, false}};
  plan.timeout_ns = timeout_ns;
  return plan;
}

// One closed-loop step named "N connections": `connections` connections, each sending its next
// GET / when the last completes, spread over `threads` threads, for `duration_ns`.
inline RunPlan closed_plan(const TestServer& server, std::uint32_t connections,
                           std::uint32_t threads, std::int64_t duration_ns) {
  RunPlan plan;
  plan.target.port = server.port();
  plan.mode = LoopMode::kClosed;
  plan.connections = connections;
  plan.threads = threads;
  plan.steps = {{std::to_string(connections) + " connections", 0, 0, 0, duration_ns, false}};
  return plan;
}

inline RunResult run_quiet(const RunPlan& plan) {
  engine::RunHooks hooks;
  hooks.handle_signals = false;
  auto r = engine::run(plan, hooks);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace lg::test
