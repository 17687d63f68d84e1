#include "scenarios/action_list.h"

#include <string>

#include "loadgen/core/units.h"

namespace lg::scenarios::detail {
namespace {

// An action fires while the load runs: at t = 0 (the first step's start) or later, before the
// last step ends. Judged only when the steps themselves are right (one problem, one error).
void check_within_plan(Reader& r, const json& at, const std::string& ptr, std::int64_t at_ns,
                       const RunPlan& plan) {
  if (!r.clean_under("/steps") || plan.steps.empty()) return;
  const auto length = plan.total_duration_ns();
  if (at_ns < length) return;
  const auto text = format_duration_us(static_cast<double>(length) / 1e3);  // "2.50s"
  r.error(ptr,
          ptr + " " + Reader::show(at) + " is not before the end of the plan: /steps last " + text +
              " (ramps included), and an action fires while the load runs; give a time below " +
              text,
          {"/steps"});
}

TimedAction read_action(Reader& r, const json& v, const std::string& ptr, const RunPlan& plan) {
  TimedAction a;
  if (!r.object(v, ptr, "an object {\"at\", \"kind\", \"target\"}")) return a;
  if (v.contains("at")) {
    const auto mark = r.mark();
    a.at_ns = r.duration(v["at"], ptr + "/at");
    if (r.clean_since(mark)) check_within_plan(r, v["at"], ptr + "/at", a.at_ns, plan);
  } else {
    r.error(ptr + "/at", "missing (when, since the run's start: a duration such as \"30s\")");
  }
  if (v.contains("kind")) {
    a.kind = r.choice(v["kind"], ptr + "/kind");
  } else {
    r.error(ptr + "/kind", "missing (what to do, e.g. \"noop\")");
  }
  if (v.contains("target")) {
    a.target = r.string(v["target"], ptr + "/target", "what the action acts on");
  }
  return a;
}

}  // namespace

void read_actions(Reader& r, const json& v, RunPlan& plan) {
  if (!r.array(v, "/actions", "an array of {\"at\", \"kind\", \"target\"}")) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    plan.actions.push_back(read_action(r, v[i], "/actions/" + std::to_string(i), plan));
  }
}

}  // namespace lg::scenarios::detail
