// Everything a result.json holds besides the verdict: what the engine measured (with the plan
// it ran), the embedded stack it ran against, the SLOs that judge it and what the run saw of
// the stack. A run builds one in memory and writes it; readers get it back (result_reader.h).
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "loadgen/core/run_result.h"
#include "stack/model/observed.h"
#include "stack/model/stack_spec.h"
#include "validators/slo.h"

namespace lg::reports {

struct RunRecord {
  RunRecord() = default;
  // A run without an embedded stack or SLOs (URL runs, tests).
  RunRecord(RunResult r) : result(std::move(r)) {}  // NOLINT(google-explicit-constructor)

  RunResult result;
  std::optional<StackSpec> stack;     // none: a URL target
  std::vector<validators::Slo> slos;  // as loaded, scopes included
  StackRecord observed;               // scale events and replica load; empty without a stack
};

}  // namespace lg::reports
