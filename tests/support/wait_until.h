// The one bounded wait of the tests: "until this holds, at most this long". The condition is
// evaluated at once, after every pause, and once more at the deadline, so a condition that
// comes true just in time still counts; the result is its last value.
//
// How to pause is the caller's: by default a 2 ms sleep (polling, for things nobody announces:
// a file appearing, a process exiting); Poll{10ms} spares a daemon that is asked each time.
// Something that can say when it changed passes a pause that waits for that instead
// (TestServer::wait_until: no polling, no sleeps).
#pragma once
#include <chrono>
#include <thread>

namespace lg::test {

struct Poll {
  std::chrono::milliseconds every{2};
  void operator()(std::chrono::steady_clock::time_point /*until*/) const {
    std::this_thread::sleep_for(every);
  }
};

// `pause(until)` blocks until the condition may have changed, or about `until` at the latest.
template <typename Condition, typename Pause = Poll>
bool wait_until(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds{5000},
                Pause pause = {}) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return condition();
    pause(until);
  }
  return true;
}

}  // namespace lg::test
