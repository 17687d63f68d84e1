#include "loadgen/actions/executor.h"

namespace lg::actions {

ActionOutcome run_action(const TimedAction& action) {
  if (action.kind == "noop") return {true, "done"};
  return {false, "unknown action kind '" + action.kind + "' (this loadgen runs: noop)"};
}

}  // namespace lg::actions
