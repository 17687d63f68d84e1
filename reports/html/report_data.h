// What report.html's charts draw, as one JSON document built from a stored result: the
// per-second timeline as columns on the run's time axis (s since start), the step boundaries,
// the scale events, and each measured step's percentile spectrum, computed here from the
// decoded histograms so that the page never decodes a histogram. Pure.
//
//   {"x_max": s (whole), "steps": [{label, start_s, end_s, warmup, start_rate, end_rate}],
//    "events": [{t_s, type, from, to, reason}],
//    "timeline": {"t": [..], "sent", "completed", "p50_ms", "p95_ms", "p99_ms" (null in a
//                 second without responses), "errors": {category: [..]} (categories with
//                 any error), "cpu_percent", "max_lag_ms", "replicas" and "healthy" (null
//                 when never known; a null entry for an unknown second)},
//    "spectrum": [{label, count, points: [[x, ms], ..]}]}   one per non-warm-up step
//
// A spectrum point's x is 1 / (1 - p) for the percentile p: 2 is the median, 10 is p90,
// 100 is p99, up to 100,000 (p99.999), ten points a decade, and never beyond the step's
// count (past it, every percentile is the maximum). Latencies are in ms.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/core/histogram.h"
#include "reports/result/result_reader.h"

namespace lg::reports {

nlohmann::json report_data(const StoredResult& stored);

// A step's label for legends and tables: its own, or "step N" (N from 1) when it has none.
std::string step_label(std::size_t index, const StepResult& s);

// The [[x, ms], ...] points of one histogram (values in us), as described above.
nlohmann::json spectrum_points(const Histogram& us);

}  // namespace lg::reports
