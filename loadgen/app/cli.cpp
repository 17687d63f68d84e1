#include "loadgen/app/cli.h"

#include <charconv>
#include <cmath>

#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "validators/slo.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

constexpr std::int64_t kDefaultDurationNs = 10'000'000'000;

struct Parser {
  const std::vector<std::string>& args;
  std::size_t i = 0;
  std::string error;

  bool fail(const std::string& msg) {
    if (error.empty()) error = msg;
    return false;
  }
  // The value of option args[i] (which must have one); advances past it.
  std::optional<std::string> value(const std::string& flag) {
    if (i + 1 >= args.size()) {
      fail(flag + ": missing value");
      return std::nullopt;
    }
    return args[++i];
  }
};

template <class T>
std::expected<T, std::string> parse_uint(const std::string& flag, const std::string& s, T lo,
                                         T hi) {
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi) {
    return std::unexpected(flag + ": expected an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "], got '" + s + "'");
  }
  return v;
}

// One --slo expression, parsed as a scenario's "checks" entry is: an optional "run: " or
// "steps: " scope, then the grammar of validators/slo.h. Into cmd.slos; "" when it is good.
std::string take_slo_option(const std::string& text, Command& cmd) {
  auto slo = validators::parse_slo(text);
  if (slo) {
    cmd.slos.push_back(std::move(*slo));
    return {};
  }
  return "--slo '" + text + "': " + slo.error() +
         " (e.g. 'p95 < 200ms', 'error_rate < 1%', 'run: rps >= 100'; validators/slo.h has the "
         "grammar)";
}

struct UrlFlags {
  std::optional<double> rate;
  std::optional<std::uint32_t> connections;      // closed loop
  std::optional<std::uint32_t> max_connections;  // open-loop cap
  std::int64_t duration_ns = kDefaultDurationNs;
};

// Options shared by both run forms. Returns false when args[i] is not one of them.
bool common_option(Parser& p, Command& cmd, UrlFlags& uf) {
  const auto& a = p.args[p.i];
  auto take = [&](auto&& fn) {
    if (auto v = p.value(a)) {
      if (auto err = fn(*v); !err.empty()) p.fail(err);
    }
    return true;
  };
  if (a == "--quiet" || a == "-q") return (cmd.quiet = true);
  if (a == "--overwrite") return (cmd.overwrite = true);
  if (a == "--out") {
    return take([&](const std::string& v) {
      if (v.empty()) return std::string("--out: expected a folder, got ''");
      return (cmd.out_dir = v, std::string());
    });
  }
  if (a == "--slo") {
    return take([&](const std::string& v) { return take_slo_option(v, cmd); });
  }
  if (a == "--target")
    return take([&](const std::string& v) { return (cmd.target = v, std::string()); });
  if (a == "--threads") {
    return take([&](const std::string& v) {
      auto n = parse_uint<std::uint32_t>(a, v, 1, 256);
      if (n) cmd.threads = *n;
      return n ? std::string() : n.error();
    });
  }
  if (a == "--seed") {
    return take([&](const std::string& v) {
      auto n = parse_uint<std::uint64_t>(a, v, 0, UINT64_MAX);
      if (n) cmd.seed = *n;
      return n ? std::string() : n.error();
    });
  }
  if (a == "--shard") {
    return take([&](const std::string& v) {
      const auto slash = v.find('/');
      const std::string bad =
          "--shard: expected I/N with 1 <= I <= N <= 10000 (e.g. 2/4), got '" + v + "'";
      if (slash == std::string::npos) return bad;
      auto n = parse_uint<std::uint32_t>(a, v.substr(slash + 1), 1, 10'000);
      auto i = parse_uint<std::uint32_t>(a, v.substr(0, slash), 1, 10'000);
      if (!n || !i || *i > *n) return bad;
      cmd.shard_index = *i - 1;
      cmd.shard_count = *n;
      return std::string();
    });
  }
  if (a == "--start-at")
    return take([&](const std::string& v) { return (cmd.start_at = v, std::string()); });
  if (a == "--rate") {
    return take([&](const std::string& v) {
      auto r = parse_rate(v);
      if (!r) return "--rate: " + r.error();
      if (*r <= 0) return std::string("--rate: must be greater than 0/s");
      uf.rate = *r;
      return std::string();
    });
  }
  if (a == "--connections" || a == "-c" || a == "--max-connections") {
    return take([&](const std::string& v) {
      auto n = parse_uint<std::uint32_t>(a, v, 1, 100'000);
      if (!n) return n.error();
      (a == "--max-connections" ? uf.max_connections : uf.connections) = *n;
      return std::string();
    });
  }
  if (a == "--duration" || a == "-d") {
    return take([&](const std::string& v) {
      auto d = parse_duration(v);
      if (!d) return a + ": " + d.error();
      if (*d < kMinStepNs) return a + ": must be at least 1ms, got '" + v + "'";
      uf.duration_ns = *d;
      return std::string();
    });
  }
  if (a == "--timeout") {
    return take([&](const std::string& v) {
      auto d = parse_duration(v);
      if (!d) return "--timeout: " + d.error();
      if (*d <= 0 || *d > 100'000'000'000) return std::string("--timeout: must be in (0, 100s]");
      cmd.plan.timeout_ns = *d;
      return std::string();
    });
  }
  if (a == "--max-lag") {
    return take([&](const std::string& v) {
      auto d = parse_duration(v);
      if (!d || *d <= 0)
        return "--max-lag: expected a positive duration such as 10ms, got '" + v + "'";
      cmd.plan.max_dispatch_lag_ns = *d;
      cmd.max_lag_ns = *d;
      return std::string();
    });
  }
  if (a == "--arrival") {
    return take([&](const std::string& v) {
      if (v == "poisson")
        cmd.plan.arrival = Arrival::kPoisson;
      else if (v == "constant")
        cmd.plan.arrival = Arrival::kConstant;
      else
        return "--arrival: expected constant or poisson, got '" + v + "'";
      return std::string();
    });
  }
  if (a == "--method" || a == "-m") {
    return take(
        [&](const std::string& v) { return (cmd.plan.requests[0].method = v, std::string()); });
  }
  if (a == "--body") {
    return take(
        [&](const std::string& v) { return (cmd.plan.requests[0].body = v, std::string()); });
  }
  if (a == "--header" || a == "-H") {
    return take([&](const std::string& v) {
      const auto colon = v.find(':');
      if (colon == std::string::npos || colon == 0) {
        return "--header: expected 'Name: value', got '" + v + "'";
      }
      auto value = v.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      cmd.plan.requests[0].headers.emplace_back(v.substr(0, colon), value);
      return std::string();
    });
  }
  return false;
}

std::string finish_url_plan(Command& cmd, const UrlFlags& uf, const std::string& url) {
  auto parsed = parse_url(url);
  if (!parsed) return parsed.error();
  cmd.plan.target = parsed->target;
  cmd.plan.requests[0].path = parsed->path;
  cmd.plan.name = "adhoc";
  if (!uf.rate && !uf.connections) {
    return "give --rate R/s (open loop) or --connections N (closed loop), or both (open loop "
           "over N connections opened at start)";
  }
  if (uf.connections && uf.max_connections) {
    return "--connections and --max-connections: give one (with --rate, --connections N opens "
           "all N at start; --max-connections N only caps them)";
  }
  StepPlan step;
  step.duration_ns = uf.duration_ns;
  if (uf.rate) {
    cmd.plan.mode = LoopMode::kOpen;
    step.start_rate = step.end_rate = *uf.rate;
    step.label = format_rate(*uf.rate);
    cmd.plan.connections = uf.connections.value_or(uf.max_connections.value_or(0));
    cmd.plan.preconnect = uf.connections.has_value();
  } else {
    if (uf.max_connections) return "--max-connections applies to open loop (--rate) only";
    cmd.plan.mode = LoopMode::kClosed;
    cmd.plan.connections = *uf.connections;
    step.label = std::to_string(*uf.connections) + " connections";
  }
  cmd.plan.steps = {step};
  return {};
}

}  // namespace

std::expected<Command, std::string> parse_stack_args(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = CommandKind::kStack;
  auto& st = cmd.stack;
  if (args.size() < 2) return std::unexpected("stack: expected up, down or status");
  const auto& action = args[1];
  if (action == "up") {
    st.action = StackCommand::Action::kUp;
  } else if (action == "down") {
    st.action = StackCommand::Action::kDown;
  } else if (action == "status") {
    st.action = StackCommand::Action::kStatus;
  } else {
    return std::unexpected("stack: unknown action '" + action + "' (accepted: up, down, status)");
  }
  for (std::size_t i = 2; i < args.size(); ++i) {
    const auto& a = args[i];
    const bool up_only =
        a == "--replicas" || a == "--max-replicas" || a == "--fpm-children" || a == "--base-port";
    if (up_only && st.action != StackCommand::Action::kUp) {
      return std::unexpected(a + ": applies to 'stack up' only");
    }
    if (a != "--run-dir" && !up_only) return std::unexpected("stack: unknown option '" + a + "'");
    if (i + 1 >= args.size()) return std::unexpected(a + ": missing value");
    const auto& v = args[++i];
    if (a == "--run-dir") {
      st.run_dir = v;
      continue;
    }
    const auto n = a == "--base-port" ? parse_uint<std::uint32_t>(a, v, 1024, 65000)
                                      : parse_uint<std::uint32_t>(a, v, 1, 50);
    if (!n) return std::unexpected(n.error());
    if (a == "--replicas") st.replicas = *n;
    if (a == "--max-replicas") st.max_replicas = *n;
    if (a == "--fpm-children") st.fpm_children = *n;
    if (a == "--base-port") st.base_port = static_cast<std::uint16_t>(*n);
  }
  if (st.replicas > st.max_replicas) {
    return std::unexpected("--replicas, --max-replicas: " + std::to_string(st.replicas) +
                           " replicas do not fit in " + std::to_string(st.max_replicas) + " slots");
  }
  return cmd;
}

std::expected<Command, std::string> parse_validate_args(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = CommandKind::kValidate;
  auto& v = cmd.validate;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--scenario") {
      if (i + 1 >= args.size()) return std::unexpected("--scenario: missing value");
      v.scenario_path = args[++i];
    } else if (a.starts_with("-") && a.size() > 1) {
      return std::unexpected("validate: unknown option '" + a + "' (accepted: --scenario FILE)");
    } else if (v.result_path.empty()) {
      v.result_path = a;
    } else {
      return std::unexpected("validate: unexpected argument '" + a + "'");
    }
  }
  if (v.result_path.empty())
    return std::unexpected(
        "validate: missing RESULT.json (loadgen validate RESULT.json "
        "[--scenario SCENARIO.json])");
  return cmd;
}

std::expected<Command, std::string> parse_report_args(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = CommandKind::kReport;
  auto& r = cmd.report;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--html") {
      if (i + 1 >= args.size()) return std::unexpected("--html: missing value");
      r.html_path = args[++i];
    } else if (a.starts_with("-") && a.size() > 1) {
      return std::unexpected("report: unknown option '" + a + "' (accepted: --html FILE)");
    } else if (r.result_path.empty()) {
      r.result_path = a;
    } else {
      return std::unexpected("report: unexpected argument '" + a + "'");
    }
  }
  if (r.result_path.empty())
    return std::unexpected(
        "report: missing RESULT.json (loadgen report RESULT.json [--html FILE])");
  return cmd;
}

// "10%" or "0.1": a fraction in [0, 10].
std::expected<double, std::string> parse_tolerance(const std::string& v) {
  const bool pct = v.ends_with('%');
  const std::string num = pct ? v.substr(0, v.size() - 1) : v;
  double x = 0;
  const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), x);
  if (num.empty() || ec != std::errc{} || p != num.data() + num.size() || !std::isfinite(x))
    return std::unexpected(
        "--tolerance: expected a percentage such as 10% or a fraction such "
        "as 0.1, got '" +
        v + "'");
  if (pct) x /= 100.0;
  if (x < 0 || x > 10)
    return std::unexpected("--tolerance: must be in [0%, 1000%], got '" + v + "'");
  return x;
}

std::expected<Command, std::string> parse_compare_args(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = CommandKind::kCompare;
  auto& c = cmd.compare;
  std::vector<std::string> files;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    const bool takes_value =
        a == "--tolerance" || a == "--floor" || a == "--html" || a == "--history";
    if (takes_value && i + 1 >= args.size()) return std::unexpected(a + ": missing value");
    if (a == "--tolerance") {
      auto t = parse_tolerance(args[++i]);
      if (!t) return std::unexpected(t.error());
      c.tolerance = *t;
    } else if (a == "--floor") {
      auto d = parse_duration(args[++i]);
      if (!d || *d < 0)
        return std::unexpected("--floor: expected a duration such as 5ms, got '" + args[i] + "'");
      c.floor_ms = static_cast<double>(*d) / 1e6;
    } else if (a == "--html") {
      c.html_path = args[++i];
    } else if (a == "--history") {
      c.history_dir = args[++i];
    } else if (a.starts_with("-") && a.size() > 1) {
      return std::unexpected("compare: unknown option '" + a +
                             "' (accepted: --tolerance, --floor, --html, --history)");
    } else {
      files.push_back(a);
    }
  }
  if (!c.history_dir.empty()) {
    if (!files.empty())
      return std::unexpected("compare: --history DIR takes no result files, got '" + files[0] +
                             "'");
    return cmd;
  }
  if (files.size() != 2)
    return std::unexpected("compare: expected BASE.json CANDIDATE.json (or --history DIR), got " +
                           std::to_string(files.size()) + " file(s)");
  c.base_path = files[0];
  c.candidate_path = files[1];
  return cmd;
}

std::expected<Command, std::string> parse_merge_args(const std::vector<std::string>& args) {
  Command cmd;
  cmd.kind = CommandKind::kMerge;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].starts_with("-") && args[i].size() > 1)
      return std::unexpected("merge: unknown option '" + args[i] + "'");
    if (cmd.merge.out_path.empty())
      cmd.merge.out_path = args[i];
    else
      cmd.merge.shard_paths.push_back(args[i]);
  }
  if (cmd.merge.shard_paths.empty())
    return std::unexpected("merge: expected OUT.json SHARD.json... (at least one shard)");
  return cmd;
}

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args) {
  Command cmd;
  if (args.empty()) return std::unexpected("missing a scenario file or URL");
  if (args[0] == "stack") return parse_stack_args(args);
  if (args[0] == "validate") return parse_validate_args(args);
  if (args[0] == "report") return parse_report_args(args);
  if (args[0] == "compare") return parse_compare_args(args);
  if (args[0] == "merge") return parse_merge_args(args);
  Parser p{args, 0, {}};
  UrlFlags uf;
  std::vector<std::string> positional;
  for (; p.i < args.size() && p.error.empty(); ++p.i) {
    const auto& a = args[p.i];
    if (a == "--help" || a == "-h" || a == "--version" || a == "-V") {
      cmd.kind = a == "--help" || a == "-h" ? CommandKind::kHelp : CommandKind::kVersion;
      return cmd;
    }
    if (a.starts_with("-") && a.size() > 1) {
      if (!common_option(p, cmd, uf)) p.fail("unknown option '" + a + "'");
      continue;
    }
    positional.push_back(a);
  }
  if (!p.error.empty()) return std::unexpected(p.error);
  if (!positional.empty() && positional[0] == "run") positional.erase(positional.begin());
  if (positional.size() != 1) {
    return std::unexpected(positional.empty() ? "missing a scenario file or URL"
                                              : "unexpected argument '" + positional[1] + "'");
  }
  const auto& what = positional[0];
  if ((cmd.shard_index || cmd.start_at) && what.starts_with("http"))
    return std::unexpected(
        "--shard and --start-at apply to scenario runs (shards split a scenario's schedule)");
  if (what.starts_with("http://") || what.starts_with("https://")) {
    cmd.kind = CommandKind::kRunUrl;
    if (auto err = finish_url_plan(cmd, uf, what); !err.empty()) return std::unexpected(err);
    for (const auto& slo : cmd.slos) {
      // Replicas, scaling, balance, health: only the embedded stack has them.
      if (validators::needs_embedded_stack(slo)) {
        return std::unexpected("--slo '" + validators::slo_source(slo) +
                               "': judges the embedded stack (replicas, scaling, balance, "
                               "health), which a URL run does not have; URL runs accept "
                               "latency, service, lag, error, late, dropped and rps SLOs");
      }
    }
    if (cmd.threads) cmd.plan.threads = *cmd.threads;
    if (cmd.seed) cmd.plan.seed = *cmd.seed;
    return cmd;
  }
  if (uf.rate || uf.connections || uf.max_connections || uf.duration_ns != kDefaultDurationNs) {
    return std::unexpected(
        "--rate, --connections, --max-connections and --duration apply to URL runs; a scenario "
        "file sets its own steps");
  }
  cmd.kind = CommandKind::kRunScenario;
  cmd.scenario_path = what;
  return cmd;
}

std::string usage() {
  return R"(loadgen: open-loop HTTP load generator and SLO harness

Usage:
  loadgen SCENARIO.json [--out DIR [--overwrite]] [--slo EXPR]... [--target URL]
                        [--threads T] [--seed N] [--quiet] [--shard I/N] [--start-at TIME]
  loadgen run SCENARIO.json [...]                      (same as above)
  loadgen URL --rate R/s [--duration D] [options]      open loop: R requests/s on schedule
  loadgen URL --connections N [--duration D] [options] closed loop: N busy connections
  loadgen URL --rate R/s --connections N [...]         open loop over N connections opened
                                                       at start and kept open
  loadgen stack up [--replicas N] [--max-replicas N] [--fpm-children N] [--base-port P]
  loadgen stack status|down [--run-dir DIR]            the embedded stack, by hand: status
                                                       exits 3 if a service is not running;
                                                       down removes DIR only if it is a
                                                       stack run (else exit 2, untouched)
  loadgen validate RESULT.json [--scenario FILE]       re-judge a stored result, with its own
                                                       SLOs or those of FILE
  loadgen report RESULT.json [--html FILE]             re-render report.html from result.json
  loadgen compare BASE.json CANDIDATE.json [--tolerance 10%] [--floor 5ms] [--html FILE]
  loadgen compare --history DIR [...]                  trends across releases, regressions
  loadgen merge OUT.json SHARD.json...                 exact merge of shard results
  loadgen --help | --version

Options:
  --out DIR              where result.json and report.html go; created if missing,
                         locked for the run and proven writable before anything starts
                         (else exit 3); a DIR already holding result.json, or in use by
                         another run, is refused (exit 2). Default: a new folder
                         results/NAME-YYYYMMDD-HHMMSS (-2, -3, ... if taken)
  --overwrite            let --out DIR replace the result.json already there
  --slo EXPR             an SLO to pass, as in a scenario's "checks" (repeatable), e.g.
                         --slo 'p95 < 200ms' --slo 'error_rate < 1%' --slo 'run: rps >= 100';
                         metrics: pN/p(N)/median/max/min/mean (latency), service.*,
                         lag.*, error_rate, late_rate, dropped_rate, errors[.KIND],
                         dropped, late, rps; embedded stack only: replicas, scale_gap,
                         scale_errors, balance, unhealthy. Adds to a scenario's own SLOs
  --target URL           run a scenario against this URL (overrides its "target")
  --shard I/N            run the I-th of N disjoint slices of the scenario's schedule
                         (1 <= I <= N); `loadgen merge` joins the N results
  --start-at TIME        wait until TIME, then start the schedule (shards started
                         together): unix seconds (1767225600.5) or ISO 8601 UTC
                         (2026-01-01T12:00:00Z), at most 24 h ahead and 5 s late
  --rate R/s             open-loop arrival rate, e.g. 2000/s, 30/m
  --connections N, -c N  closed loop over N keep-alive connections, no pacing
  --max-connections N    open loop: cap on connections (default: peak rate x 1 s, 64..10000)
  --duration D, -d D     run length for URL runs (default 10s), e.g. 30s, 2m
  --timeout D            per-request timeout from the actual send (default 5s)
  --arrival KIND         constant (default) or poisson
  --method M, -m M       request method for URL runs (default GET)
  --header 'K: V', -H    extra request header (repeatable)
  --body TEXT            request body (sent with Content-Length)
  --threads T            worker threads (default: one per core)
  --seed N               seed for Poisson gaps, request mix and {{rand}} (default 1)
  --max-lag D            schedule lag p99 above which the generator counts as saturated
                         (default 10ms; exit code 3)
  --quiet, -q            no live line on stderr (it is also off when stderr is not a terminal)

Exit codes: 0 pass, 1 SLO failed, 2 invalid input, 3 environment failure (no good
response from the target, generator saturated, results not writable: result.json then goes to
$TMPDIR/loadgen-result-PID-TIME.json), 130 interrupted (partial results written).
)";
}

}  // namespace lg::app
