// The fault checks (internal to validators/; the grammar is in slo.h): "recovers within T of
// fault N", "errors during fault N OP X" and "replaced within T of fault N", judged once over
// the whole run from the per-second timeline, the recorded actions (fault_window.h) and the
// autoscaler's events. evaluate() calls judge_fault_check for every SLO whose metric
// is_fault_check().
#pragma once

#include "loadgen/core/run_result.h"
#include "stack/model/observed.h"
#include "validators/evaluate.h"
#include "validators/slo.h"

namespace lg::validators::detail {

// The "recovers" band, from the baseline seconds before the fault (see fault_checks.cpp):
//   p99 limit    = max(1.5 x baseline p99, baseline p99 + 20 ms)
//   errors limit = baseline error share + 1 percentage point
inline constexpr double kBandP99Factor = 1.5;
inline constexpr double kBandP99SlackMs = 20;
inline constexpr double kBandErrorSlack = 0.01;
inline constexpr std::size_t kBaselineSeconds = 10;  // at most, the closest before the fault
inline constexpr std::size_t kRecoveredSeconds = 3;  // judged seconds in a row, in the band

// One run-scope check of a fault SLO, with its evidence in words. Fails (never passes
// silently) when the fault is missing, did not fire or failed, or there is nothing to judge.
Check judge_fault_check(const Slo& slo, const RunResult& result, const StackRecord& stack);

}  // namespace lg::validators::detail
