#include "loadgen/app/run_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "loadgen/actions/executor.h"
#include "loadgen/app/interrupt.h"
#include "loadgen/app/live_line.h"
#include "loadgen/app/out_dir.h"
#include "loadgen/app/start_at.h"
#include "loadgen/core/exit_codes.h"
#include "loadgen/core/replica_load.h"
#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "loadgen/engine/coordinator.h"
#include "reports/html_report.h"
#include "reports/result_json.h"
#include "reports/stack_events.h"
#include "scenarios/scenario_loader.h"
#include "stack/embedded_stack.h"
#include "validators/slo.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

// A stack scenario pointed at a URL: its replica and scaling SLOs judge a stack that is not
// there. They are left out, and said so.
void drop_stack_slos(RunPlan& plan, bool quiet) {
  std::vector<std::string> kept;
  for (auto& text : plan.slos) {
    auto slo = validators::parse_slo(validators::split_scope(text).second);
    if (slo && validators::needs_embedded_stack(*slo)) {
      if (!quiet)
        std::fprintf(stderr,
                     "loadgen: --target: not checking \"%s\" (it judges the embedded "
                     "stack)\n",
                     text.c_str());
      continue;
    }
    kept.push_back(std::move(text));
  }
  plan.slos = std::move(kept);
}

// --slo expressions join the plan's SLOs. Each was parsed at the command line; what is left
// to check needs the plan: whether there is an embedded stack to judge, and the step count.
std::expected<void, int> add_cli_slos(const Command& cmd, RunPlan& plan) {
  for (const auto& text : cmd.slos) {
    auto slo = validators::parse_slo(validators::split_scope(text).second);
    if (!slo) {  // not reached: parse_args refuses it
      std::cerr << "loadgen: --slo '" << text << "': " << slo.error() << '\n';
      return std::unexpected(kExitInvalidInput);
    }
    if (validators::needs_embedded_stack(*slo) && !plan.stack.enabled) {
      std::cerr << "loadgen: --slo '" << text
                << "': judges the embedded stack (replicas, scaling, balance, health), but "
                   "this run targets "
                << format_url(plan.target)
                << " (the scenario's \"target\" or --target); drop it, or run a scenario "
                   "without a target\n";
      return std::unexpected(kExitInvalidInput);
    }
    if (slo->deadline && slo->deadline->step > plan.steps.size()) {
      std::cerr << "loadgen: --slo '" << text << "': refers to step " << slo->deadline->step
                << ", but the plan has " << plan.steps.size()
                << " step(s) (counting warm-up steps, and each ramp as a step of its own)\n";
      return std::unexpected(kExitInvalidInput);
    }
    plan.slos.push_back(text);
  }
  return {};
}

std::expected<RunPlan, int> build_plan(const Command& cmd) {
  if (cmd.kind == CommandKind::kRunUrl) {
    RunPlan plan = cmd.plan;
    if (auto ok = add_cli_slos(cmd, plan); !ok) return std::unexpected(ok.error());
    return plan;
  }
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
    if (plan->stack.enabled) drop_stack_slos(*plan, cmd.quiet);
    plan->stack.enabled = false;  // someone else's stack: no embedded one
  }
  if (cmd.threads) plan->threads = *cmd.threads;
  if (cmd.seed) plan->seed = *cmd.seed;
  if (cmd.max_lag_ns) plan->max_dispatch_lag_ns = *cmd.max_lag_ns;
  if (cmd.shard_index) {
    plan->shard_index = *cmd.shard_index;
    plan->shard_count = *cmd.shard_count;
  }
  if (auto ok = add_cli_slos(cmd, *plan); !ok) return std::unexpected(ok.error());
  return *plan;
}

// --out DIR, or a new folder under ./results: created, locked and proven writable before the
// stack comes up and before the first request, so a run never ends with nowhere to write.
std::expected<OutDir, int> claim_out_dir(const Command& cmd, const RunPlan& plan) {
  auto out = cmd.out_dir.empty()
                 ? OutDir::claim_new("results", default_out_stem(plan.name, std::time(nullptr)))
                 : OutDir::claim(cmd.out_dir, cmd.overwrite);
  if (!out) {
    std::cerr << "loadgen: " << out.error().message << '\n';
    return std::unexpected(out.error().exit_code);
  }
  return std::move(*out);
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

// The replica count as HAProxy sees it (slots neither in maintenance nor draining, and those
// UP); each server's response counter goes to `load` for the balance check.
std::pair<std::int32_t, std::int32_t> count_replicas(const stack::HaproxyApi& api,
                                                     ReplicaLoadTracker& load) {
  auto stats = api.show_stat(stack::kBackend);
  if (!stats) return {-1, -1};
  std::int32_t in_lb = 0, up = 0;
  std::vector<ServerReading> readings;
  for (const auto& s : *stats) {
    // MAINT: an empty slot. DRAIN: on its way out by design, taking no new request; counting
    // it would show a scale-down as a replica in the balancer that is not UP.
    if (s.kind != stack::StatRowKind::kServer || s.status == "MAINT" || s.status == "DRAIN")
      continue;
    ++in_lb;
    const bool is_up = s.status.starts_with("UP");
    if (is_up) ++up;
    std::uint64_t responses = 0;
    for (auto n : s.hrsp) responses += n;
    readings.push_back({s.server, responses, is_up});
  }
  load.add(readings);
  return {in_lb, up};
}

// report.html beside result.json, rendered from the document just written. The run's outcome
// is in result.json, already safely on disk: a report that cannot be rendered or written is
// said on stderr and does not change the run's exit code (`loadgen report` can retry).
void write_report_beside(const nlohmann::json& doc, const std::filesystem::path& result_file) {
  const auto html = reports::render_report_html(doc, result_file.string());
  if (!html) {
    std::cerr << "loadgen: report.html not written: " << html.error() << '\n';
    return;
  }
  const auto written = reports::write_report(*html, result_file.parent_path() / "report.html");
  if (!written) {
    std::cerr << "loadgen: report.html not written: " << written.error() << '\n';
    return;
  }
  std::cout << "report: " << written->string() << '\n';
}

// result.json (and report.html) into the claimed folder; if that still fails at the end (the
// folder was removed, the disk filled up), result.json goes to a fallback file in the system
// temp folder instead, and the run says where. Returns whether the folder took it.
bool save_result(const nlohmann::json& doc, const OutDir& out) {
  auto written = reports::write_result(doc, out.path());
  if (written) {
    std::cout << "result: " << written->string() << '\n';
    write_report_beside(doc, *written);
    return true;
  }
  std::cerr << "loadgen: result.json not written to --out " << out.path().string() << ": "
            << written.error() << '\n';
  const auto fallback = fallback_result_path(std::time(nullptr));
  auto saved = reports::write_result_file(doc, fallback);
  if (!saved) {
    std::cerr << "loadgen: the fallback failed too (" << saved.error()
              << "); this run's result is lost\n";
    return false;
  }
  std::cout << "result: " << saved->string() << " (fallback)\n";
  std::cerr << "loadgen: result.json written to the fallback " << saved->string()
            << " instead; `loadgen report " << saved->string()
            << " --html FILE` renders its report\n";
  return false;
}

int run_plan(const Command& cmd, const RunPlan& p, const stack::EmbeddedStack* embedded,
             const OutDir& out) {
  const bool live = !cmd.quiet && isatty(STDERR_FILENO);
  engine::RunHooks hooks;
  hooks.stop_flag = &interrupt_flag();
  hooks.run_action = actions::run_action;  // what each timed action kind does
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
  ReplicaLoadTracker load;  // only touched by the sampling hook, then after the run
  if (embedded != nullptr) {
    // Ground truth each second: what the load balancer routes to, not the autoscaler's word.
    hooks.sample_replicas = [embedded, &load] { return count_replicas(embedded->api(), load); };
  }
  auto result = engine::run(p, hooks);
  if (!result) {
    std::cerr << "loadgen: " << result.error().message << '\n';
    return result.error().exit_code;
  }
  if (embedded != nullptr) {
    result->replica_load = load.result();
    auto events = reports::read_stack_events(embedded->layout().dir / "autoscaler" / "events.jsonl",
                                             result->started_unix_ms);
    if (events) {
      result->stack_events = std::move(*events);
    } else {
      std::cerr << "loadgen: " << events.error() << '\n';
    }
  }
  const auto verdict = validators::judge_run(*result, p.slos);
  const auto doc = reports::to_json(*result, verdict.checks);
  // The tables first: whatever happens to the files, the verdict is on the screen.
  std::cout << step_table(*result) << validators::verdict_table(verdict) << std::flush;
  const bool saved = save_result(doc, out);
  if (result->interrupted)
    std::cerr << "loadgen: interrupted; partial results written"
              << (saved ? "" : " (to the fallback above, if it worked)") << '\n';
  const int code = validators::exit_code(verdict, result->interrupted);
  // Results not kept where asked: an environment failure, unless the run was interrupted.
  return saved || code == kExitInterrupted ? code : kExitEnvironment;
}

}  // namespace

int run_command(const Command& cmd) {
  auto plan = build_plan(cmd);
  if (!plan) return plan.error();
  const auto start_at = resolve_start_at(cmd.start_at);  // checked before any bring-up
  if (!start_at) return start_at.error();
  const auto out = claim_out_dir(cmd, *plan);  // held (locked) until the run is over
  if (!out) return out.error();
  install_interrupt_flag();
  std::unique_ptr<stack::EmbeddedStack> embedded;  // torn down on every path out
  if (plan->stack.enabled) {
    auto s = stack_for(*plan, cmd.quiet);
    if (!s) return s.error();
    embedded = std::move(*s);
  }
  if (*start_at) wait_for_start(**start_at, interrupt_flag(), cmd.quiet);
  if (interrupt_flag().load()) {
    std::cerr << "loadgen: interrupted before the run started\n";
    return kExitInterrupted;  // `embedded` tears the stack down on the way out
  }
  const int code = run_plan(cmd, *plan, embedded.get(), *out);
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
