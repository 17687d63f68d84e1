#include "loadgen/app/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "loadgen/actions/executor.h"
#include "loadgen/app/interrupt.h"
#include "loadgen/app/live_line.h"
#include "loadgen/app/out_dir.h"
#include "loadgen/app/publish.h"
#include "loadgen/app/start_at.h"
#include "loadgen/core/exit_codes.h"
#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "loadgen/engine/coordinator.h"
#include "reports/result/result_json.h"
#include "reports/result/stack_events.h"
#include "scenarios/scenario_loader.h"
#include "stack/embedded_stack.h"
#include "stack/fault_proxy.h"
#include "stack/fault_targets.h"
#include "stack/replica_count.h"
#include "validators/slo.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

// A stack scenario pointed at a URL: its replica and scaling SLOs judge a stack that is not
// there. They are left out, and said so.
void drop_stack_slos(Scenario& sc, bool quiet) {
  std::erase_if(sc.slos, [quiet](const validators::Slo& slo) {
    if (!validators::needs_embedded_stack(slo)) return false;
    if (!quiet)
      std::fprintf(stderr,
                   "loadgen: --target: not checking \"%s\" (it judges the embedded stack)\n",
                   validators::slo_source(slo).c_str());
    return true;
  });
}

// --slo expressions join the scenario's SLOs. Each was parsed at the command line; what is
// left to check needs the scenario: whether there is an embedded stack to judge, and the step
// count.
std::expected<void, int> add_cli_slos(const RunOptions& opts, Scenario& sc) {
  for (const auto& slo : opts.slos) {
    const auto text = validators::slo_source(slo);
    if (validators::needs_embedded_stack(slo) && !sc.stack) {
      std::cerr << "loadgen: --slo '" << text
                << "': judges the embedded stack (replicas, scaling, balance, health), but "
                   "this run targets "
                << format_url(sc.run.target)
                << " (the scenario's \"target\" or --target); drop it, or run a scenario "
                   "without a target\n";
      return std::unexpected(kExitInvalidInput);
    }
    if (slo.deadline && slo.deadline->step > sc.run.steps.size()) {
      std::cerr << "loadgen: --slo '" << text << "': refers to step " << slo.deadline->step
                << ", but the plan has " << sc.run.steps.size()
                << " step(s) (counting warm-up steps, and each ramp as a step of its own)\n";
      return std::unexpected(kExitInvalidInput);
    }
    sc.slos.push_back(slo);
  }
  return {};
}

// The scenario file as the command line shapes it: --target, --threads, --seed, --max-lag and
// --shard applied.
std::expected<Scenario, int> build_scenario(const RunScenarioCommand& cmd) {
  auto sc = scenarios::load_scenario(cmd.scenario_path);
  if (!sc) {
    std::cerr << sc.error().to_string();
    return std::unexpected(kExitInvalidInput);
  }
  RunPlan& plan = sc->run;
  if (cmd.target) {
    auto url = parse_url(*cmd.target);
    if (!url) {
      std::cerr << "--target: " << url.error() << '\n';
      return std::unexpected(kExitInvalidInput);
    }
    // Faults act on the embedded stack's processes: at someone else's URL there are none.
    for (const auto& a : plan.actions) {
      if (a.fault == 0) continue;
      std::cerr << "loadgen: --target: " << cmd.scenario_path << " /faults/" << a.fault - 1
                << ": a " << a.kind << " of " << a.target
                << " acts on the embedded stack's processes, and --target points elsewhere; "
                   "drop --target, or run a scenario without \"faults\"\n";
      return std::unexpected(kExitInvalidInput);
    }
    plan.target = url->target;
    if (url->path != "/") plan.target.base_path = url->path;
    if (sc->stack) drop_stack_slos(*sc, cmd.run.quiet);
    sc->stack.reset();  // someone else's stack: no embedded one
  }
  if (cmd.threads) plan.threads = *cmd.threads;
  if (cmd.seed) plan.seed = *cmd.seed;
  if (cmd.max_lag_ns) plan.max_dispatch_lag_ns = *cmd.max_lag_ns;
  if (cmd.shard_index) {
    plan.shard_index = *cmd.shard_index;
    plan.shard_count = *cmd.shard_count;
  }
  if (auto ok = add_cli_slos(cmd.run, *sc); !ok) return std::unexpected(ok.error());
  return std::move(*sc);
}

// --out DIR, or a new folder under ./results: created, locked and proven writable before the
// stack comes up and before the first request, so a run never ends with nowhere to write.
std::expected<OutDir, int> claim_out_dir(const RunOptions& cmd, const RunPlan& plan) {
  auto out = cmd.out_dir.empty()
                 ? OutDir::claim_new("results", default_out_stem(plan.name, std::time(nullptr)))
                 : OutDir::claim(cmd.out_dir, cmd.overwrite);
  if (!out) {
    std::cerr << "loadgen: " << out.error().message << '\n';
    return std::unexpected(out.error().exit_code);
  }
  return std::move(*out);
}

// Brings the embedded stack up for a scenario without a target and points the plan at it.
std::expected<std::unique_ptr<stack::EmbeddedStack>, int> stack_for(const StackSpec& spec,
                                                                    RunPlan& plan, bool quiet) {
  stack::StackOptions o;
  o.replicas = spec.min_replicas;
  o.max_replicas = spec.max_replicas;
  o.fpm_children = spec.fpm_children;
  if (spec.autoscaler_enabled) o.autoscaler_args = spec.autoscaler.to_args();
  o.front = {spec.tls.redirect, spec.limits};
  o.fault_proxy = std::any_of(plan.actions.begin(), plan.actions.end(), [](const TimedAction& a) {
    return actions::is_network_kind(a.kind);
  });
  if (!quiet) std::fprintf(stderr, "loadgen: bringing up the embedded stack...\n");
  auto s = stack::EmbeddedStack::up(o);
  if (!s) {
    std::cerr << "loadgen: " << s.error() << '\n';
    return std::unexpected(kExitEnvironment);
  }
  // stack.tls: the run goes to HAProxy's HTTPS frontend and trusts the certificate it made
  // (unless the scenario names its own CA file or skips verification).
  auto url = parse_url(spec.tls.enabled ? (*s)->https_url() : (*s)->url());
  plan.target = url->target;
  if (spec.tls.enabled && plan.tls.ca_file.empty() && !plan.tls.insecure) {
    plan.tls.ca_file = (*s)->tls_cert().string();
  }
  if (!quiet) {
    std::fprintf(stderr, "loadgen: stack up in %lld ms at %s (stats %s, run dir %s)\n",
                 static_cast<long long>((*s)->times().first_200.count()),
                 (spec.tls.enabled ? (*s)->https_url() : (*s)->url()).c_str(),
                 (*s)->stats_url().c_str(), (*s)->layout().dir.c_str());
  }
  return std::move(*s);
}

// result.json and report.html into the claimed folder; if that still fails at the end (the
// folder was removed, the disk filled up), result.json goes to a fallback file in the system
// temp folder instead, and the run says where. Returns whether the folder took it.
bool save_result(const reports::StoredResult& stored, const OutDir& out) {
  auto written = publish(stored, out.path() / "result.json", out.path() / "report.html");
  if (written) return true;
  std::cerr << "loadgen: result.json not written to --out " << out.path().string() << ": "
            << written.error() << '\n';
  const auto fallback = fallback_result_path(std::time(nullptr));
  auto saved = reports::write_result_file(reports::to_json(stored, stored.checks), fallback);
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

// Which process groups a fault target names when it fires (none without an embedded stack).
actions::TargetResolver fault_resolver(const stack::EmbeddedStack* embedded) {
  if (embedded == nullptr) return {};
  return [dir = embedded->layout().dir](
             std::string_view target) -> std::expected<std::vector<int>, std::string> {
    const auto t = parse_fault_target(target);
    if (!t) return std::unexpected(t.error());
    return stack::resolve_fault_target(*t, dir);
  };
}

// The stack's fault proxy, when it runs one (a scenario with network faults).
actions::FaultProxyHooks fault_proxy_hooks(const stack::EmbeddedStack* embedded) {
  if (embedded == nullptr || !embedded->has_fault_proxy()) return {};
  actions::FaultProxyHooks h;
  h.route = [dir = embedded->layout().dir, ports = embedded->ports()](
                std::string_view target) -> std::expected<std::uint16_t, std::string> {
    const auto t = parse_fault_target(target);
    if (!t) return std::unexpected(t.error());
    return stack::resolve_fault_route(*t, dir, ports);
  };
  h.control = [port = embedded->ports().fault_control()](std::string_view line) {
    return stack::fault_control(port, line);
  };
  return h;
}

int run_scenario(const RunOptions& cmd, const Scenario& sc, const stack::EmbeddedStack* embedded,
                 const OutDir& out) {
  const RunPlan& p = sc.run;
  const bool live = !cmd.quiet && isatty(STDERR_FILENO);
  engine::RunHooks hooks;
  hooks.stop_flag = &interrupt_flag();
  // What each timed action kind does; faults act on the embedded stack's processes. Held for
  // the whole run: destroying it resumes whatever a fault left paused, on every path.
  actions::Executor executor(fault_resolver(embedded), fault_proxy_hooks(embedded));
  hooks.run_action = [&executor](const TimedAction& a) { return executor.run(a); };
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
    hooks.sample_replicas = [embedded, &load] {
      const auto n = stack::count_replicas(embedded->api(), load);
      return std::pair{n.in_balancer, n.up};
    };
  }
  auto result = engine::run(p, hooks);
  if (!result) {
    std::cerr << "loadgen: " << result.error().message << '\n';
    return result.error().exit_code;
  }
  reports::RunRecord rec(std::move(*result));
  rec.stack = sc.stack;
  rec.slos = sc.slos;
  if (embedded != nullptr) {
    rec.observed.replica_load = load.result();
    auto events =
        reports::read_stack_events(embedded->layout().events_file(), rec.result.started_unix_ms);
    if (events) {
      rec.observed.events = std::move(*events);
    } else {
      std::cerr << "loadgen: " << events.error() << '\n';
    }
  }
  const auto verdict = validators::judge_run(rec.result, rec.slos, rec.observed);
  // The tables first: whatever happens to the files, the verdict is on the screen.
  std::cout << step_table(rec.result) << validators::verdict_table(verdict) << std::flush;
  const auto stored = reports::stored_result(std::move(rec), verdict.checks);
  const bool saved = save_result(stored, out);
  const bool interrupted = stored.result.interrupted;
  if (interrupted)
    std::cerr << "loadgen: interrupted; partial results written"
              << (saved ? "" : " (to the fallback above, if it worked)") << '\n';
  const int code = validators::exit_code(verdict, interrupted);
  // Results not kept where asked: an environment failure, unless the run was interrupted.
  return saved || code == kExitInterrupted ? code : kExitEnvironment;
}

// A scenario run end to end: the stack (if any) up, the wait for --start-at, the run, the
// stack down.
int run(const RunOptions& cmd, Scenario& sc, const std::optional<std::string>& start) {
  const auto start_at = resolve_start_at(start);  // checked before any bring-up
  if (!start_at) return start_at.error();
  const auto out = claim_out_dir(cmd, sc.run);  // held (locked) until the run is over
  if (!out) return out.error();
  install_interrupt_flag();
  std::unique_ptr<stack::EmbeddedStack> embedded;  // torn down on every path out
  if (sc.stack) {
    auto s = stack_for(*sc.stack, sc.run, cmd.quiet);
    if (!s) return s.error();
    embedded = std::move(*s);
  }
  if (*start_at) wait_for_start(**start_at, interrupt_flag(), cmd.quiet);
  if (interrupt_flag().load()) {
    std::cerr << "loadgen: interrupted before the run started\n";
    return kExitInterrupted;  // `embedded` tears the stack down on the way out
  }
  const int code = run_scenario(cmd, sc, embedded.get(), *out);
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

}  // namespace

int run_command(const RunScenarioCommand& cmd) {
  auto sc = build_scenario(cmd);
  if (!sc) return sc.error();
  return run(cmd.run, *sc, cmd.start_at);
}

int run_command(const RunUrlCommand& cmd) {
  Scenario sc{cmd.plan, std::nullopt, {}};
  if (auto ok = add_cli_slos(cmd.run, sc); !ok) return ok.error();
  return run(cmd.run, sc, std::nullopt);
}

}  // namespace lg::app
