#include "scenarios/action_list.h"

#include <string>

#include "loadgen/core/units.h"
#include "stack/model/fault_target.h"

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

// "at", "kind" and "target" of an action or a fault (an object already checked).
TimedAction read_fields(Reader& r, const json& v, const std::string& ptr, const RunPlan& plan) {
  TimedAction a;
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

TimedAction read_action(Reader& r, const json& v, const std::string& ptr, const RunPlan& plan) {
  if (!r.object(v, ptr, "an object {\"at\", \"kind\", \"target\"}")) return {};
  return read_fields(r, v, ptr, plan);
}

// A fault: {"at", "kind", "target", "duration" (pause only)} -> its action(s) in plan.actions.
void read_fault(Reader& r, const json& v, const std::string& ptr, std::uint32_t number,
                RunPlan& plan) {
  if (!r.object(v, ptr, "an object {\"at\", \"kind\", \"target\", \"duration\"}")) return;
  TimedAction a = read_fields(r, v, ptr, plan);
  a.fault = number;
  if (!v.contains("target")) {
    r.error(ptr + "/target",
            std::string("missing (what the fault acts on: ") + kFaultTargetsAccepted + ")");
  } else if (r.read_ok(ptr + "/target")) {
    if (auto t = parse_fault_target(a.target); !t)
      r.error(ptr + "/target", ptr + "/target: " + t.error());
  }
  const bool pause = a.kind == "pause";
  std::int64_t duration = 0;
  if (v.contains("duration")) {
    if (!pause && !a.kind.empty()) {
      r.error(ptr + "/duration",
              ptr + "/duration: only a pause has one (a " + a.kind + " is done at once)");
    } else {
      const auto mark = r.mark();
      duration = r.duration(v["duration"], ptr + "/duration");
      if (r.clean_since(mark) && duration <= 0) {
        r.error(ptr + "/duration", ptr + "/duration: must be above 0 (how long the pause lasts)");
      }
    }
  } else if (pause) {
    r.error(ptr + "/duration", "missing (how long the pause lasts, e.g. \"2s\")");
  }
  plan.actions.push_back(a);
  if (!pause || duration <= 0 || !r.clean_under(ptr)) return;
  TimedAction resume = a;
  resume.kind = "resume";
  resume.at_ns = a.at_ns + duration;
  const auto length = plan.total_duration_ns();
  if (resume.at_ns >= length) {
    r.error(ptr + "/duration",
            ptr + "/duration: the pause would end at " +
                format_duration_us(static_cast<double>(resume.at_ns) / 1e3) +
                ", not before the end of the plan (" +
                format_duration_us(static_cast<double>(length) / 1e3) +
                "): a fault is judged while the load runs",
            {ptr + "/at", "/steps"});
    return;
  }
  plan.actions.push_back(resume);
}

}  // namespace

void read_faults(Reader& r, const json& v, bool embedded_stack, RunPlan& plan) {
  if (!r.array(v, "/faults", "an array of {\"at\", \"kind\", \"target\", \"duration\"}")) return;
  if (!embedded_stack && !v.empty()) {
    r.error("/faults/0",
            "/faults/0: a " +
                (v[0].is_object() && v[0].contains("kind") && v[0]["kind"].is_string()
                     ? v[0]["kind"].get<std::string>()
                     : std::string("fault")) +
                " acts on the embedded stack's processes, and this scenario targets a URL "
                "(\"target\"); remove \"faults\" or the target",
            {"/target"});
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    read_fault(r, v[i], "/faults/" + std::to_string(i), static_cast<std::uint32_t>(i + 1), plan);
  }
}

void read_actions(Reader& r, const json& v, RunPlan& plan) {
  if (!r.array(v, "/actions", "an array of {\"at\", \"kind\", \"target\"}")) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    plan.actions.push_back(read_action(r, v[i], "/actions/" + std::to_string(i), plan));
  }
}

}  // namespace lg::scenarios::detail
