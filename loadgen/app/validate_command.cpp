#include "loadgen/app/validate_command.h"

#include <iostream>

#include "loadgen/core/exit_codes.h"
#include "reports/result_reader.h"
#include "scenarios/scenario_loader.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

// The SLOs (and warm-up flags) of `scenario_path` replace the stored ones. The steps must be
// the same schedule, or the old data would be judged against a different plan.
std::expected<void, std::string> apply_scenario(const std::string& scenario_path,
                                                reports::StoredResult& stored) {
  auto sc = scenarios::load_scenario(scenario_path);
  if (!sc) return std::unexpected(sc.error().to_string());
  const RunPlan* plan = &sc->run;
  RunResult& r = stored.result;
  if (plan->steps.size() != r.steps.size())
    return std::unexpected(scenario_path + ": /steps: " + std::to_string(plan->steps.size()) +
                           " steps, but the result has " + std::to_string(r.steps.size()) +
                           "; --scenario must describe the run that was made");
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    const auto& a = plan->steps[i];
    const auto& b = r.steps[i].plan;
    if (a.duration_ns != b.duration_ns || a.start_rate != b.start_rate || a.end_rate != b.end_rate)
      return std::unexpected(scenario_path + ": /steps/" + std::to_string(i) +
                             ": its duration or rate differs from step " + std::to_string(i + 1) +
                             " of the result; --scenario must describe the run that was made");
  }
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    r.steps[i].plan.warmup = plan->steps[i].warmup;
    r.plan.steps[i].warmup = plan->steps[i].warmup;
  }
  stored.slos = std::move(sc->slos);
  return {};
}

}  // namespace

int validate_command(const ValidateCommand& cmd) {
  auto stored = reports::read_result(cmd.result_path);
  if (!stored) {
    std::cerr << "loadgen: " << stored.error() << '\n';
    return kExitInvalidInput;
  }
  const RunResult& r = stored->result;
  if (!cmd.scenario_path.empty()) {
    if (auto ok = apply_scenario(cmd.scenario_path, *stored); !ok) {
      std::cerr << "loadgen: " << ok.error() << '\n';
      return kExitInvalidInput;
    }
  }
  const auto verdict = validators::judge_run(r, stored->slos, stored->observed);
  std::cout << "loadgen: " << cmd.result_path << ": " << r.plan.name << ", " << r.steps.size()
            << " steps, started " << r.started_at
            << (cmd.scenario_path.empty() ? ", with its own SLOs"
                                          : ", with the SLOs of " + cmd.scenario_path)
            << '\n'
            << validators::verdict_table(verdict);
  if (r.interrupted) std::cout << "note: the run was interrupted; this judges its partial data\n";
  return validators::exit_code(verdict, false);
}

}  // namespace lg::app
