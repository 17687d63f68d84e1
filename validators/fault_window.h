// When fault N of a run started and ended, from the actions the run recorded (RunResult::
// actions, each with its fault number). Internal to validators/: the fault checks
// (fault_checks.cpp) judge the seconds around this window.
//
// Fault N's actions are the ones with ActionEvent::fault == N, in at_ns order: its start and,
// for a fault with a duration (a pause), its end (the resume; in general the later of the two).
//   start = fired_ns of the first action;
//   end   = fired_ns of the second action if there is one, else start + 1 s: an instant fault
//           (a kill) "lasts" the second it fires in.
// There is no window, and every check over the fault fails saying why, when the run has no
// action with fault N, when the first action never fired or failed (!ok), or when the end
// action never fired or failed (the fault never ended within the run, so nothing after it can
// be judged).
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "loadgen/core/run_result.h"

namespace lg::validators::detail {

inline constexpr std::int64_t kSecondNs = 1'000'000'000;

struct FaultWindow {
  std::uint32_t fault = 0;  // 1-based
  std::string what;         // "kill replica:1", as its first action names it
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  bool instant = true;  // one action only: end = start + 1 s
};

// The number of distinct faults (nonzero ActionEvent::fault) the run recorded.
std::uint32_t fault_count(const RunResult& result);

// Fault `fault`'s window, or why there is none, in words that can follow "the check fails: "
// (e.g. "the run has no fault 3 (it has 1)", "fault 1 (kill replica:1) did not fire: \"...\"").
std::expected<FaultWindow, std::string> fault_window(const RunResult& result, std::uint32_t fault);

// A time since the run's start in seconds with 3 decimals: "12.345".
std::string seconds_text(std::int64_t ns);

}  // namespace lg::validators::detail
