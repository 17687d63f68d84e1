// A scenario as loaded, parsed once at the edge: what the engine runs, the embedded stack it
// runs against (none when the scenario, or --target, names a URL) and the SLOs that judge it.
#pragma once
#include <optional>
#include <vector>

#include "loadgen/core/run_plan.h"
#include "stack/model/stack_spec.h"
#include "validators/slo.h"

namespace lg {

struct Scenario {
  RunPlan run;
  std::optional<StackSpec> stack;     // set: loadgen brings this stack up and runs against it
  std::vector<validators::Slo> slos;  // judged per step and for the whole run, by scope
};

}  // namespace lg
