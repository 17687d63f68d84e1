#include "loadgen/actions/executor.h"

#include <array>
#include <charconv>

namespace lg::actions {

// Every kind this executor runs, once: a new kind is a row here (and its name in
// scenarios/scenario_keys.cpp and scenarios/schema.json, which tests keep in step).
struct Executor::Kind {
  std::string_view name;
  ActionOutcome (*run)(Executor&, const TimedAction&);
};

namespace {

ActionOutcome network(Executor& e, const TimedAction& a) {
  return e.run_network(a);
}

constexpr std::array<Executor::Kind, 11> kKinds{{
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
    {"latency", network},
    {"jitter", network},
    {"bandwidth", network},
    {"reset", network},
    {"hang", network},
    {"cpu", [](Executor& e, const TimedAction& a) { return e.run_cpu(a); }},
    {"clear", [](Executor& e, const TimedAction& a) { return e.run_clear(a); }},
}};

constexpr std::array<std::string_view, 5> kNetworkKinds{"latency", "jitter", "bandwidth", "reset",
                                                        "hang"};

// "cores=2 seconds=16" -> the value of `key`, or 0.
std::uint32_t param_value(std::string_view params, std::string_view key) {
  const auto at = params.find(std::string(key) + "=");
  if (at == std::string_view::npos) return 0;
  std::uint32_t v = 0;
  const auto* b = params.data() + at + key.size() + 1;
  std::from_chars(b, params.data() + params.size(), v);
  return v;
}

}  // namespace

Executor::Executor(TargetResolver resolve, FaultProxyHooks proxy)
    : resolve_(std::move(resolve)), proxy_(std::move(proxy)) {}

bool is_network_kind(std::string_view kind) {
  for (const auto k : kNetworkKinds)
    if (k == kind) return true;
  return false;
}

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

ActionOutcome Executor::run_network(const TimedAction& a) {
  if (!proxy_.route || !proxy_.control)
    return {false, a.target + ": no fault proxy runs here, so no " + a.kind};
  const auto port = proxy_.route(a.target);
  if (!port) return {false, a.target + ": " + port.error()};
  const auto answer = proxy_.control("set " + std::to_string(*port) + " " + a.params);
  if (!answer) return {false, a.target + ": " + answer.error()};
  route_by_fault_[a.fault] = *port;
  return {true, a.target + ": " + a.kind + " " + a.params + " on the proxy route " +
                    std::to_string(*port)};
}

ActionOutcome Executor::run_cpu(const TimedAction& a) {
  const auto cores = param_value(a.params, "cores");
  const auto seconds = param_value(a.params, "seconds");
  if (cores == 0 || seconds == 0)
    return {false, "cpu: params \"" + a.params + "\" lack cores=N seconds=S"};
  return burns_.start(a.fault, cores, seconds);
}

ActionOutcome Executor::run_clear(const TimedAction& a) {
  if (const auto it = route_by_fault_.find(a.fault); it != route_by_fault_.end()) {
    const auto port = it->second;
    route_by_fault_.erase(it);
    const auto answer = proxy_.control("set " + std::to_string(port) + " clear");
    if (!answer) return {false, a.target + ": " + answer.error()};
    return {true, a.target + ": cleared the toxics of the proxy route " + std::to_string(port)};
  }
  if (a.target == "host") return burns_.stop(a.fault);
  return {false, a.target + ": fault " + std::to_string(a.fault) + " switched nothing to clear"};
}

std::vector<std::string> action_kinds() {
  std::vector<std::string> out;
  for (const auto& k : kKinds) out.emplace_back(k.name);
  return out;
}

}  // namespace lg::actions
