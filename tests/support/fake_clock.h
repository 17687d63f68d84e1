// Time that moves only when the code under test sleeps: for code that takes its clock and its
// sleep as parameters (the Supervisor's deadlines), so tests of timing need no real waiting.
#pragma once
#include <chrono>

namespace lg::test {

struct FakeClock {
  std::chrono::steady_clock::time_point t{};
  int sleeps = 0;
  std::chrono::steady_clock::time_point now() const { return t; }
  void sleep_for(std::chrono::milliseconds d) {
    t += d;
    ++sleeps;
  }
};

}  // namespace lg::test
