// The whole verdict on a run: the environment checks (the generator kept its schedule, the
// target answered) and the plan's SLOs, per step and per run. Shared by the run itself and by
// `loadgen validate` on a stored result, so both judge the same way. Pure.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "loadgen/core/run_result.h"
#include "validators/evaluate.h"

namespace lg::validators {

struct Verdict {
  std::vector<Check> checks;
  std::size_t environment = 0;  // the first `environment` checks judge the environment (exit 3)
};

// Generator and target checks, then every SLO in `slos`, each in its own scope. `stack`: what
// the run saw of the embedded stack (empty for a URL target).
Verdict judge_run(const RunResult& r, const std::vector<Slo>& slos, const StackRecord& stack = {});

// DESIGN.md section 5: 130 interrupted, else 3 if an environment check failed, else 1 if an
// SLO failed, else 0.
int exit_code(const Verdict& v, bool interrupted);

// One line per check: PASS/FAIL, what, where, observed against the limit; then, for each
// failed check, its explanation.
std::string verdict_table(const Verdict& v);

}  // namespace lg::validators
