#include "validators/verdict.h"

#include <cstdio>

#include "loadgen/core/exit_codes.h"
#include "loadgen/core/units.h"
#include "validators/slo.h"

namespace lg::validators {
namespace {

// The generator kept its schedule (open loop), and the target answered at all.
std::vector<Check> environment_checks(const RunResult& r) {
  std::vector<Check> checks;
  if (r.plan.mode == LoopMode::kOpen) {
    const auto p99 = summarize(r.generator.lag).p99;
    checks.push_back(
        {"generator_schedule", "run", format_duration_us(p99 * 1000.0) + " lag p99",
         "< " + format_duration_us(static_cast<double>(r.plan.max_dispatch_lag_ns) / 1e3),
         !r.generator.saturated,
         r.generator.saturated ? r.generator.saturation_reason : "the generator sent on schedule"});
  }
  // A run passes only if the target gave at least one good answer (a complete HTTP response
  // with status < 400): timeouts, garbage, resets, refused connects and error statuses alone
  // never pass, whatever the SLOs say. A plan that scheduled nothing has nothing to judge.
  const auto& c = r.total.counters;
  const bool nothing = c.scheduled == 0;
  const bool reachable = nothing || c.completed > 0;
  std::string why = nothing     ? "no request was scheduled"
                    : reachable ? "the target answered " + std::to_string(c.completed) + " of " +
                                      std::to_string(c.scheduled) + " requests well"
                                : "no good response to any of " + std::to_string(c.scheduled) +
                                      " requests (" + std::to_string(c.responses - c.completed) +
                                      " error statuses; " + describe_failures(c) + ")";
  checks.push_back({"target_reachable", "run", std::to_string(c.completed) + " good responses",
                    "at least 1 good response (status < 400)", reachable, std::move(why)});
  return checks;
}

}  // namespace

Verdict judge_run(const RunResult& r, const std::vector<Slo>& slos, const StackRecord& stack) {
  Verdict v;
  v.checks = environment_checks(r);
  v.environment = v.checks.size();
  for (const auto& slo : slos)
    for (auto& c : evaluate({slo}, r, stack, slo.scope)) v.checks.push_back(std::move(c));
  return v;
}

int exit_code(const Verdict& v, bool interrupted) {
  if (interrupted) return kExitInterrupted;
  int code = kExitPass;
  for (std::size_t i = 0; i < v.checks.size(); ++i) {
    if (v.checks[i].passed) continue;
    if (i < v.environment) return kExitEnvironment;
    code = kExitSloFailed;
  }
  return code;
}

std::string verdict_table(const Verdict& v) {
  std::string out = "\nverdict:\n";
  for (const auto& c : v.checks) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-4s %-34s %-22s observed %-18s limit %s\n",
                  c.passed ? "PASS" : "FAIL", c.name.c_str(), c.scope.c_str(), c.observed.c_str(),
                  c.limit.c_str());
    out += line;
  }
  if (v.checks.size() == v.environment)
    out +=
        "  (no SLO given: only the environment was judged; add --slo EXPR or a scenario's "
        "checks)\n";
  for (const auto& c : v.checks) {
    if (!c.passed) out += "FAILED " + c.name + " (" + c.scope + "): " + c.explanation + "\n";
  }
  return out;
}

}  // namespace lg::validators
