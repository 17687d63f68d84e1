// Judges parsed SLOs (slo.h) against a RunResult: per step and for the whole run. Pure.
//
// Warm-up steps (StepPlan::warmup) are never judged: they get no per-step check and their data
// is left out of the run-scope check. A metric with nothing to measure (no responses, no
// arrivals, replica count unknown in every second) fails with an explanation saying so; it never
// passes silently.
#pragma once

#include <string>
#include <vector>

#include "loadgen/core/run_result.h"
#include "stack/model/observed.h"
#include "validators/slo.h"

namespace lg::validators {

// One pass/fail judgement with its evidence, in words. The same fields as result.json's
// checks[] (DESIGN.md section 7); result.json writes and reads these.
struct Check {
  std::string name;      // the SLO as written, e.g. "p95 < 1s"
  std::string scope;     // "run" or "step N: LABEL" (N counts from 1, warm-up included)
  std::string observed;  // with units: "1.23s", "3.2%", "95.1/s", "2..4", or "no data"
  std::string limit;     // with units: "< 1.00s", "within [2, 10]"
  bool passed = true;
  std::string explanation;  // one sentence: what was expected, what was observed, where
};

// For each SLO in order: its per-step checks (steps in order, warm-up skipped) and then its
// run check, as `scope` asks (each SLO's own scope is judge_run's business). `stack`: what the
// run saw of the embedded stack (scale events, replica load); empty for a URL target.
std::vector<Check> evaluate(const std::vector<Slo>& slos, const RunResult& result,
                            const StackRecord& stack, Scope scope = Scope::kBoth);
// The same for a run without an embedded stack.
std::vector<Check> evaluate(const std::vector<Slo>& slos, const RunResult& result,
                            Scope scope = Scope::kBoth);

// True when every check passed (and there is at least one).
bool all_passed(const std::vector<Check>& checks);

}  // namespace lg::validators
