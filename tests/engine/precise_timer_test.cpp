// The pacer's timerfd timer on a real uv loop: it fires once per arming, whether or not the
// callback re-arms (re-arming clears the fd's readiness, not re-arming must not leave it
// readable, or the loop would spin on it).
#include "loadgen/engine/precise_timer.h"

#include <uv.h>

#include <catch2/catch.hpp>
#include <cstdint>

namespace {

struct Probe {
  lg::engine::PreciseTimer timer;
  int fired = 0;
  int rearms = 0;  // how many more times the callback arms the timer again
  std::uint64_t last_ns = 0;
};

void on_fire(void* data) {
  auto* p = static_cast<Probe*>(data);
  ++p->fired;
  p->last_ns = uv_hrtime();
  if (p->rearms > 0) {
    --p->rearms;
    p->timer.arm_at(uv_hrtime() + 200'000);  // 0.2 ms from now
  }
}

// Runs the loop for `ms` of loop time (a uv timer ends it), then closes the timer.
void run_for(uv_loop_t* loop, Probe& p, std::uint64_t ms) {
  uv_timer_t stop;
  uv_timer_init(loop, &stop);
  stop.data = loop;
  uv_timer_start(
      &stop, [](uv_timer_t* t) { uv_stop(static_cast<uv_loop_t*>(t->data)); }, ms, 0);
  uv_run(loop, UV_RUN_DEFAULT);
  p.timer.close();
  uv_close(reinterpret_cast<uv_handle_t*>(&stop), nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

TEST_CASE("precise timer: a callback that does not re-arm gets exactly one call", "[engine]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Probe p;
  REQUIRE(p.timer.init(&loop, &on_fire, &p) == 0);
  p.timer.arm_at(uv_hrtime() - 1'000'000);  // in the past: fires at once
  run_for(&loop, p, 30);
  CHECK(p.fired == 1);
  CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("precise timer: re-armed from its callback it fires once per arming, never early",
          "[engine]") {
  uv_loop_t loop;
  uv_loop_init(&loop);
  Probe p;
  p.rearms = 5;
  REQUIRE(p.timer.init(&loop, &on_fire, &p) == 0);
  const std::uint64_t start = uv_hrtime();
  p.timer.arm_at(start + 200'000);
  run_for(&loop, p, 50);
  CHECK(p.fired == 6);
  CHECK(p.last_ns - start >= 6 * 200'000);  // six arms of 0.2 ms each, one after the other
  CHECK(uv_loop_close(&loop) == 0);
}
