#include "loadgen/actions/executor.h"

#include <array>

namespace lg::actions {

// Every kind this executor runs, once: a new kind is a row here (and its name in
// scenarios/scenario_keys.cpp and scenarios/schema.json, which tests keep in step).
struct Executor::Kind {
  std::string_view name;
  ActionOutcome (*run)(Executor&, const TimedAction&);
};

namespace {

constexpr std::array<Executor::Kind, 4> kKinds{{
    {"noop",
     [](Executor&, const TimedAction&) {
       return ActionOutcome{true, "done"};
     }},
    {"kill",
     [](Executor& e, const TimedAction& a) {
       return e.run_process_fault(a, &ProcessFaults::kill, false);
     }},
    {"pause",
     [](Executor& e, const TimedAction& a) {
       return e.run_process_fault(a, &ProcessFaults::pause, true);
     }},
    {"resume", [](Executor& e, const TimedAction& a) { return e.run_resume(a); }},
}};

}  // namespace

Executor::Executor(TargetResolver resolve) : resolve_(std::move(resolve)) {}

ActionOutcome Executor::run(const TimedAction& action) {
  std::string known;
  for (const auto& k : kKinds) {
    if (k.name == action.kind) return k.run(*this, action);
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  return {false, "unknown action kind '" + action.kind + "' (this loadgen runs: " + known + ")"};
}

ActionOutcome Executor::run_process_fault(
    const TimedAction& a, ActionOutcome (ProcessFaults::*act)(const std::vector<int>&),
    bool remember) {
  if (!resolve_) return {false, a.target + ": no stack runs here, so nothing to " + a.kind};
  const auto groups = resolve_(a.target);
  if (!groups) return {false, a.target + ": " + groups.error()};
  auto out = (faults_.*act)(*groups);
  if (out.ok && remember) paused_by_fault_[a.fault] = *groups;
  out.text = a.target + ": " + out.text;
  return out;
}

ActionOutcome Executor::run_resume(const TimedAction& a) {
  const auto it = paused_by_fault_.find(a.fault);
  if (it == paused_by_fault_.end()) {
    return {false, a.target + ": fault " + std::to_string(a.fault) + " paused nothing to resume"};
  }
  auto out = faults_.resume(it->second);
  paused_by_fault_.erase(it);
  out.text = a.target + ": " + out.text;
  return out;
}

std::vector<std::string> action_kinds() {
  std::vector<std::string> out;
  for (const auto& k : kKinds) out.emplace_back(k.name);
  return out;
}

}  // namespace lg::actions
