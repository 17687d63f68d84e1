#include "loadgen/actions/executor.h"

#include <array>
#include <string_view>

namespace lg::actions {
namespace {

// Every kind this executor runs, once: a new kind is a row here (and its name in
// scenarios/scenario_keys.cpp and scenarios/schema.json, which a test keeps in step).
struct Kind {
  std::string_view name;
  ActionOutcome (*run)(const TimedAction&);
};
constexpr std::array<Kind, 1> kKinds{{
    {"noop",
     [](const TimedAction&) {
       return ActionOutcome{true, "done"};
     }},
}};

}  // namespace

ActionOutcome run_action(const TimedAction& action) {
  std::string known;
  for (const auto& k : kKinds) {
    if (k.name == action.kind) return k.run(action);
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  return {false, "unknown action kind '" + action.kind + "' (this loadgen runs: " + known + ")"};
}

std::vector<std::string> action_kinds() {
  std::vector<std::string> out;
  for (const auto& k : kKinds) out.emplace_back(k.name);
  return out;
}

}  // namespace lg::actions
