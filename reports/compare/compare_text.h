// A Comparison as text for the terminal: a table, then a one-line summary. Pure.
#pragma once
#include <string>
#include <vector>

#include "reports/compare/compare.h"

namespace lg::reports {

// Every column but the last padded to its widest cell, two spaces apart, one line per row.
std::string aligned_table(const std::vector<std::vector<std::string>>& rows);

// "scope  metric  base  candidate  delta  verdict" and one line per row; the verdict column
// carries the row's explanation. Then the notes, if any, one per line.
std::string comparison_table(const Comparison& c);

// One line: "compare: REGRESSION: 2 of 15 metrics worse (worst: candidate p95 is 38% (+42.0ms)
// slower than base in step 4: 500 users), 1 better; tolerance 10%, latency floor 5ms" or
// "compare: no regression: 15 metrics, 0 worse, 1 better; tolerance 10%, latency floor 5ms".
std::string comparison_summary(const Comparison& c);

// "tolerance 10%, latency floor 5ms": the thresholds in force, for summaries and pages.
std::string tolerance_text(const Tolerance& t);

// A row's change for a table cell: "+38% (+42.0ms)", "0", or "n/a" without data.
std::string delta_text(const MetricRow& r);

}  // namespace lg::reports
