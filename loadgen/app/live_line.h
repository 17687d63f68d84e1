// The per-second progress line on stderr, and the end-of-run step table on stdout.
#pragma once
#include <cstdio>
#include <string>

#include "loadgen/core/run_result.h"

namespace lg::app {

// "[  12s] sent 1000/s done 998/s | p50 1.20ms p95 3.40ms p99 8.00ms | err 0 | late 0 drop 0 | cpu
// 12%"
std::string live_line(const TimelinePoint& p, const RunPlan& plan);

// A fixed-width table: one row per step plus the total.
std::string step_table(const RunResult& r);

}  // namespace lg::app
