// Base vs candidate: did the candidate run of the same scenario get worse, beyond noise? Per
// non-warm-up step and for the whole run, for latency p50/p95/p99, achieved rate and error rate.
// Pure: RunResults in, judged rows out (compare_text.h and compare_html.h present them).
#pragma once
#include <cstddef>
#include <expected>
#include <string>
#include <vector>

#include "loadgen/core/run_result.h"
#include "reports/compare/compare_metrics.h"

namespace lg::reports {

// What counts as noise. A change is significant only when it exceeds BOTH the relative
// tolerance (a fraction of the base value) AND the metric's absolute floor: a 50% rise of a
// 0.2 ms p50 (+0.1 ms) is noise, and so is +1 ms on a 2 s p99 (0.05%).
struct Tolerance {
  double relative = 0.10;           // fraction of the base value, >= 0
  double latency_floor_ms = 5.0;    // ms, >= 0
  double rate_floor = 1.0;          // achieved rate, requests/s, >= 0
  double error_rate_floor = 0.001;  // error rate as a fraction: 0.001 = 0.1 percentage points
};

enum class Change {
  kSame,    // within noise (or unchanged)
  kBetter,  // beyond tolerance and floor, in the good direction
  kWorse,   // beyond tolerance and floor, in the bad direction: a regression
  kNoData,  // a side has nothing to measure (no responses, nothing came due)
};

// "same", "better", "WORSE", "no data".
std::string_view change_name(Change c);

// One metric, base against candidate.
struct Judged {
  Change change = Change::kNoData;
  double delta = 0;     // candidate - base, in the metric's unit
  double relative = 0;  // delta / base; +-infinity when base is 0 and delta is not
};

// The judgement itself, shared by compare and history. Latency changes within the histogram's
// precision are never significant, whatever the tolerance: see compare.cpp.
Judged judge(Metric m, const std::optional<double>& base, const std::optional<double>& candidate,
             const Tolerance& tol);

struct MetricRow {
  std::string scope;  // "step 4: 500 users" or "run"
  Metric metric = Metric::kP50;
  std::optional<double> base, candidate;  // ms, requests/s or fraction (compare_metrics.h)
  Judged judged;
  // In words, which side is worse and by how much: "candidate p95 is 38% (+42.0ms) slower than
  // base in step 4: 500 users"; for noise, why: "within the 10% tolerance", "unchanged".
  std::string explanation;
};

struct Comparison {
  std::vector<MetricRow> rows;     // per scope (steps, then "run"), metrics in kMetrics order
  std::vector<std::string> notes;  // caveats: an interrupted run, a saturated generator
  Tolerance tolerance;

  bool regressed() const { return count(Change::kWorse) > 0; }
  std::size_t count(Change c) const;
  // The worse row with the largest relative change; nullptr when none is worse.
  const MetricRow* worst() const;
};

// The error lists every schedule difference (compare_schedule.h): such runs are not comparable.
std::expected<Comparison, std::vector<std::string>> compare(const RunResult& base,
                                                            const RunResult& candidate,
                                                            const Tolerance& tol = {});

// Judges one metric of one scope and explains it. `base_name`/`candidate_name` name the sides
// in the words: "base"/"candidate", or two release labels (history).
MetricRow compare_metric(Metric m, const std::string& scope, const std::optional<double>& base,
                         const std::optional<double>& candidate, const Tolerance& tol,
                         const std::string& base_name = "base",
                         const std::string& candidate_name = "candidate");

}  // namespace lg::reports
