#include "loadgen/app/run_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "loadgen/app/interrupt.h"
#include "loadgen/app/live_line.h"
#include "loadgen/core/exit_codes.h"
#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "loadgen/engine/coordinator.h"
#include "reports/result_json.h"
#include "reports/stack_events.h"
#include "scenarios/scenario_loader.h"
#include "stack/embedded_stack.h"
#include "validators/evaluate.h"
#include "validators/slo.h"

namespace lg::app {
namespace {

std::expected<RunPlan, int> build_plan(const Command& cmd) {
  if (cmd.kind == CommandKind::kRunUrl) return cmd.plan;
  auto plan = scenarios::load_scenario(cmd.scenario_path);
  if (!plan) {
    std::cerr << plan.error().to_string();
    return std::unexpected(kExitInvalidInput);
  }
  if (cmd.target) {
    auto url = parse_url(*cmd.target);
    if (!url) {
      std::cerr << "--target: " << url.error() << '\n';
      return std::unexpected(kExitInvalidInput);
    }
    plan->target = url->target;
    if (url->path != "/") plan->target.base_path = url->path;
    plan->stack.enabled = false;  // someone else's stack: no embedded one
  }
  if (cmd.threads) plan->threads = *cmd.threads;
  if (cmd.seed) plan->seed = *cmd.seed;
  return *plan;
}

std::string default_out_dir(const RunPlan& plan) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return "results/" + plan.name + "-" + stamp;
}

// The checks this version can make: the generator kept its schedule, the target answered.
std::vector<reports::Check> generator_checks(const RunResult& r) {
  std::vector<reports::Check> checks;
  if (r.plan.mode == LoopMode::kOpen) {
    const auto p99 = summarize(r.generator.lag).p99;
    checks.push_back(
        {"generator_schedule", "run", format_duration_us(p99 * 1000.0) + " lag p99",
         "< " + format_duration_us(static_cast<double>(r.plan.max_dispatch_lag_ns) / 1e3),
         !r.generator.saturated,
         r.generator.saturated ? r.generator.saturation_reason : "the generator sent on schedule"});
  }
  const auto& c = r.total.counters;
  const bool reachable = !(c.responses == 0 && c.error(ErrorKind::kConnect) > 0);
  checks.push_back(
      {"target_reachable", "run", std::to_string(c.responses) + " responses", "at least 1 response",
       reachable,
       reachable ? "the target answered" : "no response at all: every connection attempt failed"});
  return checks;
}

// The scenario's autoscaler knobs as loadgen-autoscaler's flags.
std::vector<std::string> autoscaler_args(const AutoscalerPlan& a) {
  const auto ms = [](std::int64_t ns) { return std::to_string(ns / 1'000'000) + "ms"; };
  const auto num = [](double v) { return std::to_string(v); };
  return {"--algorithm",
          a.algorithm,
          "--check-interval",
          ms(a.check_interval_ns),
          "--cooldown",
          ms(a.cooldown_ns),
          "--window",
          ms(a.window_ns),
          "--stabilization",
          ms(a.stabilization_ns),
          "--scale-up-cpu",
          num(a.scale_up_cpu),
          "--scale-up-rps",
          num(a.scale_up_rps),
          "--scale-up-response-ms",
          num(a.scale_up_response_ms),
          "--scale-up-error-rate",
          num(a.scale_up_error_rate),
          "--scale-down-cpu",
          num(a.scale_down_cpu),
          "--scale-down-rps",
          num(a.scale_down_rps),
          "--scale-down-response-ms",
          num(a.scale_down_response_ms),
          "--factor",
          num(a.factor),
          "--target-metric",
          a.target_metric,
          "--target-value",
          num(a.target_value)};
}

// Brings the embedded stack up for a scenario without a target and points the plan at it.
std::expected<std::unique_ptr<stack::EmbeddedStack>, int> stack_for(RunPlan& plan, bool quiet) {
  stack::StackOptions o;
  o.replicas = plan.stack.min_replicas;
  o.max_replicas = plan.stack.max_replicas;
  o.fpm_children = plan.stack.fpm_children;
  if (plan.stack.autoscaler.enabled) o.autoscaler_args = autoscaler_args(plan.stack.autoscaler);
  if (!quiet) std::fprintf(stderr, "loadgen: bringing up the embedded stack...\n");
  auto s = stack::EmbeddedStack::up(o);
  if (!s) {
    std::cerr << "loadgen: " << s.error() << '\n';
    return std::unexpected(kExitEnvironment);
  }
  auto url = parse_url((*s)->url());
  plan.target = url->target;
  if (!quiet) {
    std::fprintf(stderr, "loadgen: stack up in %lld ms at %s (stats %s, run dir %s)\n",
                 static_cast<long long>((*s)->times().first_200.count()), (*s)->url().c_str(),
                 (*s)->stats_url().c_str(), (*s)->layout().dir.c_str());
  }
  return std::move(*s);
}

// The scenario's SLOs, evaluated per step and for the whole run (already parsed once at load).
std::vector<reports::Check> slo_checks(const RunPlan& plan, const RunResult& r) {
  std::vector<reports::Check> out;
  for (const auto& text : plan.slos) {
    const auto [scope, expr] = scenarios::strip_scope(text);
    auto slo = validators::parse_slo(expr);
    if (!slo) continue;  // parsed once already, at load
    const auto which = scope == "run"     ? validators::Scope::kRun
                       : scope == "steps" ? validators::Scope::kPerStep
                                          : validators::Scope::kBoth;
    for (auto& c : validators::evaluate({*slo}, r, which)) {
      out.push_back({c.name, c.scope, c.observed, c.limit, c.passed, c.explanation});
    }
  }
  return out;
}

// One line per check: PASS/FAIL, what, where, observed against the limit.
std::string verdict_table(const std::vector<reports::Check>& checks) {
  std::string out = "\nverdict:\n";
  for (const auto& c : checks) {
    char line[512];
    std::snprintf(line, sizeof line, "  %-4s %-28s %-22s observed %-18s limit %s\n",
                  c.passed ? "PASS" : "FAIL", c.name.c_str(), c.scope.c_str(), c.observed.c_str(),
                  c.limit.c_str());
    out += line;
  }
  return out;
}

// The replica count as HAProxy sees it: slots not in maintenance, and those UP.
std::pair<std::int32_t, std::int32_t> count_replicas(const stack::HaproxyApi& api) {
  auto stats = api.show_stat(stack::kBackend);
  if (!stats) return {-1, -1};
  std::int32_t in_lb = 0, up = 0;
  for (const auto& s : *stats) {
    if (s.kind != stack::StatRowKind::kServer || s.status == "MAINT") continue;
    ++in_lb;
    if (s.status.starts_with("UP")) ++up;
  }
  return {in_lb, up};
}

int run_plan(const Command& cmd, const RunPlan& p, const stack::EmbeddedStack* embedded) {
  const bool live = !cmd.quiet && isatty(STDERR_FILENO);
  engine::RunHooks hooks;
  hooks.stop_flag = &interrupt_flag();
  if (live) {
    hooks.on_second = [&p](const TimelinePoint& t) {
      std::fprintf(stderr, "%s\n", live_line(t, p).c_str());
    };
  }
  if (!cmd.quiet) {
    std::fprintf(stderr, "loadgen: %s -> %s, %zu step(s), %.0f s\n", p.name.c_str(),
                 format_url(p.target).c_str(), p.steps.size(),
                 static_cast<double>(p.total_duration_ns()) / 1e9);
  }
  if (embedded != nullptr) {
    // Ground truth each second: what the load balancer routes to, not the autoscaler's word.
    hooks.sample_replicas = [embedded] { return count_replicas(embedded->api()); };
  }
  auto result = engine::run(p, hooks);
  if (!result) {
    std::cerr << "loadgen: " << result.error().message << '\n';
    return result.error().exit_code;
  }
  if (embedded != nullptr) {
    auto events = reports::read_stack_events(embedded->layout().dir / "autoscaler" / "events.jsonl",
                                             result->started_unix_ms);
    if (events) {
      result->stack_events = std::move(*events);
    } else {
      std::cerr << "loadgen: " << events.error() << '\n';
    }
  }
  auto checks = generator_checks(*result);
  const auto env_checks = checks.size();  // the ones above are environment checks (exit 3)
  for (auto& c : slo_checks(p, *result)) checks.push_back(std::move(c));
  const auto out_dir = cmd.out_dir.empty() ? default_out_dir(p) : cmd.out_dir;
  auto written = reports::write_result(reports::to_json(*result, checks), out_dir);
  std::cout << step_table(*result);
  if (!written) {
    std::cerr << "loadgen: " << written.error() << '\n';
    return kExitEnvironment;
  }
  std::cout << verdict_table(checks) << "result: " << written->string() << '\n';
  int code = kExitPass;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const auto& c = checks[i];
    if (c.passed) continue;
    std::cerr << "loadgen: check " << c.name << " (" << c.scope << ") failed: " << c.explanation
              << '\n';
    // Exit codes (DESIGN.md section 5): the environment (3) before the SLOs (1).
    code = i < env_checks ? kExitEnvironment : (code == kExitPass ? kExitSloFailed : code);
  }
  if (result->interrupted) {
    std::cerr << "loadgen: interrupted; partial results written\n";
    return kExitInterrupted;
  }
  return code;
}

}  // namespace

int run_command(const Command& cmd) {
  auto plan = build_plan(cmd);
  if (!plan) return plan.error();
  install_interrupt_flag();
  std::unique_ptr<stack::EmbeddedStack> embedded;  // torn down on every path out
  if (plan->stack.enabled) {
    auto s = stack_for(*plan, cmd.quiet);
    if (!s) return s.error();
    embedded = std::move(*s);
  }
  if (interrupt_flag().load()) {
    std::cerr << "loadgen: interrupted before the run started\n";
    return kExitInterrupted;  // `embedded` tears the stack down on the way out
  }
  const int code = run_plan(cmd, *plan, embedded.get());
  install_interrupt_flag();  // libuv restored the default handlers: keep teardown interruptible
  if (embedded) {
    const auto t0 = std::chrono::steady_clock::now();
    auto down = embedded->down();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!down) {
      std::cerr << "loadgen: stack teardown: " << down.error() << '\n';
      return code == kExitPass ? kExitEnvironment : code;
    }
    if (!cmd.quiet)
      std::fprintf(stderr, "loadgen: stack down in %lld ms\n", static_cast<long long>(ms));
  }
  return code;
}

}  // namespace lg::app
