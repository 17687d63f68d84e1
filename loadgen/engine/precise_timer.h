// A one-shot timer with nanosecond resolution for the pacer. libuv's timers tick in whole
// milliseconds, which would put every arrival up to 1 ms late; a timerfd on CLOCK_MONOTONIC
// (the clock behind uv_hrtime) armed at an absolute time and watched by a uv_poll_t wakes the
// loop within microseconds of the intended send time.
#pragma once
#include <uv.h>

#include <cstdint>

namespace lg::engine {

class PreciseTimer {
 public:
  using Callback = void (*)(void* data);

  PreciseTimer() = default;
  PreciseTimer(const PreciseTimer&) = delete;
  PreciseTimer& operator=(const PreciseTimer&) = delete;

  // Returns 0 or a negative uv error code. `cb(data)` runs on the loop's thread.
  int init(uv_loop_t* loop, Callback cb, void* data);
  // Fires once at `abs_ns` on uv_hrtime()'s clock (immediately if that is in the past).
  void arm_at(std::uint64_t abs_ns);
  void disarm();
  // Closes the poll handle and the timerfd; safe to call twice. The handle's memory must stay
  // valid until the loop has run its close callbacks.
  void close();

 private:
  static void on_poll(uv_poll_t* handle, int status, int events);
  uv_poll_t poll_{};
  int fd_ = -1;
  Callback cb_ = nullptr;
  void* data_ = nullptr;
  bool open_ = false;
  bool set_ = false;  // arm_at or disarm ran since the last wake-up (its readiness is cleared)
};

}  // namespace lg::engine
