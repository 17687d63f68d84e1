// The comparison page of `loadgen compare --html`: both runs on the same charts (per-second p95
// latency and achieved rate on a shared time axis, per-step p50/p95/p99 bars) and the table.
// One self-contained file (compare_page.h). Pure: returns the page's text.
#pragma once
#include <string>

#include "loadgen/core/run_result.h"
#include "reports/compare/compare.h"

namespace lg::reports {

// One side of the comparison: where it was read from, and what it holds.
struct ComparedRun {
  std::string file;
  const RunResult& result;
};

std::string comparison_html(const Comparison& c, const ComparedRun& base,
                            const ComparedRun& candidate);

}  // namespace lg::reports
