#include "loadgen/app/cli.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <span>

#include "loadgen/cli/flags.h"
#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "validators/slo.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

constexpr std::int64_t kDefaultDurationNs = 10'000'000'000;
constexpr auto kWording = cli::Wording::kLoadgen;

using Take = std::function<std::string(const std::string& name, const std::string& value)>;

cli::Flag value_flag(std::vector<std::string> names, Take take) {
  return {std::move(names), cli::Flag::Arity::kValue, std::move(take)};
}

cli::Flag switch_flag(std::vector<std::string> names, std::function<void()> set) {
  return {std::move(names), cli::Flag::Arity::kSwitch,
          [set = std::move(set)](const std::string&, const std::string&) {
            set();
            return std::string();
          }};
}

// A flag whose value is kept as it is, in `field` (a string, or an optional one).
template <class T>
Take text(T& field) {
  return [&field](const std::string&, const std::string& v) {
    field = v;
    return std::string();
  };
}

// A flag that ends the parse with `command` (--help, --version).
cli::Flag stop_flag(std::vector<std::string> names, std::optional<Command>& stop, Command command) {
  return {std::move(names), cli::Flag::Arity::kStop,
          [&stop, command = std::move(command)](const std::string&, const std::string&) {
            stop = command;
            return std::string();
          }};
}

template <class T>
struct ValueOf {
  using type = T;
};
template <class T>
struct ValueOf<std::optional<T>> {
  using type = T;
};

// An integer flag in [lo, hi] into `field` (a number, or an optional one).
template <class T>
Take integer(T& field, std::uint64_t lo, std::uint64_t hi) {
  return [&field, lo, hi](const std::string& name, const std::string& v) {
    auto n = cli::to_uint(kWording, name, v, lo, hi);
    if (!n) return n.error();
    field = static_cast<typename ValueOf<T>::type>(*n);
    return std::string();
  };
}

// A subcommand's unknown option: "validate: unknown option '--bogus' (accepted: --scenario FILE)".
std::function<std::string(const std::string&)> unknown_option(std::string command,
                                                              std::string accepted = "") {
  return [command = std::move(command), accepted = std::move(accepted)](const std::string& a) {
    return command + ": unknown option '" + a + "'" +
           (accepted.empty() ? "" : " (accepted: " + accepted + ")");
  };
}

// The one file a subcommand takes; a second is an error.
std::function<std::string(const std::string&)> one_file(std::string command, std::string& path) {
  return [command = std::move(command), &path](const std::string& a) {
    if (!path.empty()) return command + ": unexpected argument '" + a + "'";
    path = a;
    return std::string();
  };
}

// One --slo expression, parsed as a scenario's "checks" entry is: an optional "run: " or
// "steps: " scope, then the grammar of validators/slo.h. Into `slos`; "" when it is good.
std::string take_slo_option(const std::string& text, std::vector<validators::Slo>& slos) {
  auto slo = validators::parse_slo(text);
  if (slo) {
    slos.push_back(std::move(*slo));
    return {};
  }
  return "--slo '" + text + "': " + slo.error() +
         " (e.g. 'p95 < 200ms', 'error_rate < 1%', 'run: rps >= 100'; validators/slo.h has the "
         "grammar)";
}

// What the run flags set, before the form (scenario file or URL) decides what it keeps.
struct RunFlags {
  RunScenarioCommand scenario;  // the overrides (a URL run takes --threads and --seed too)
  RunPlan plan;                 // a URL run's request, timeout, arrival and lag flags
  std::optional<double> rate;
  std::optional<std::uint32_t> connections;      // closed loop
  std::optional<std::uint32_t> max_connections;  // open-loop cap
  std::int64_t duration_ns = kDefaultDurationNs;
  std::optional<Command> stop;  // --help or --version
  std::vector<std::string> positional;
  bool connection_flags = false;  // a TLS or keep-alive flag was given (URL runs only)
};

// --shard I/N.
std::string take_shard(const std::string& name, const std::string& v, RunScenarioCommand& sc) {
  const auto slash = v.find('/');
  const std::string bad =
      "--shard: expected I/N with 1 <= I <= N <= 10000 (e.g. 2/4), got '" + v + "'";
  if (slash == std::string::npos) return bad;
  auto n = cli::to_uint(kWording, name, v.substr(slash + 1), 1, 10'000);
  auto i = cli::to_uint(kWording, name, v.substr(0, slash), 1, 10'000);
  if (!n || !i || *i > *n) return bad;
  sc.shard_index = static_cast<std::uint32_t>(*i - 1);
  sc.shard_count = static_cast<std::uint32_t>(*n);
  return {};
}

// --header 'Name: value'.
std::string take_header(const std::string& v, RequestSpec& request) {
  const auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0) {
    return cli::refused(kWording, "--header", v, "'Name: value'");
  }
  auto value = v.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  request.headers.emplace_back(v.substr(0, colon), value);
  return {};
}

// The options of both run forms.
std::vector<cli::Flag> output_flags(RunFlags& f) {
  auto& o = f.scenario.run;
  return {
      stop_flag({"--help", "-h"}, f.stop, HelpCommand{}),
      stop_flag({"--version", "-V"}, f.stop, VersionCommand{}),
      switch_flag({"--quiet", "-q"}, [&o] { o.quiet = true; }),
      switch_flag({"--overwrite"}, [&o] { o.overwrite = true; }),
      value_flag({"--out"},
                 [&o](const std::string& name, const std::string& v) {
                   if (v.empty()) return cli::refused(kWording, name, v, "a folder");
                   o.out_dir = v;
                   return std::string();
                 }),
      value_flag({"--slo"}, [&o](const std::string&,
                                 const std::string& v) { return take_slo_option(v, o.slos); }),
  };
}

// The options that shape the schedule: shards and overrides of a scenario's plan.
std::vector<cli::Flag> plan_flags(RunFlags& f) {
  auto& sc = f.scenario;
  return {
      value_flag({"--target"}, text(sc.target)),
      value_flag({"--threads"}, integer(sc.threads, 1, 256)),
      value_flag({"--seed"}, integer(sc.seed, 0, UINT64_MAX)),
      value_flag({"--shard"}, [&sc](const std::string& name,
                                    const std::string& v) { return take_shard(name, v, sc); }),
      value_flag({"--start-at"}, text(sc.start_at)),
      value_flag({"--max-lag"},
                 [&f](const std::string&, const std::string& v) {
                   auto d = parse_duration(v);
                   if (!d || *d <= 0)
                     return "--max-lag: expected a positive duration such as 10ms, got '" + v + "'";
                   f.plan.max_dispatch_lag_ns = *d;
                   f.scenario.max_lag_ns = *d;
                   return std::string();
                 }),
  };
}

// A URL run's load and requests.
std::vector<cli::Flag> url_flags(RunFlags& f) {
  auto& request = f.plan.requests[0];
  return {
      value_flag({"--rate"},
                 [&f](const std::string&, const std::string& v) {
                   auto r = parse_rate(v);
                   if (!r) return "--rate: " + r.error();
                   if (*r <= 0) return std::string("--rate: must be greater than 0/s");
                   f.rate = *r;
                   return std::string();
                 }),
      value_flag({"--connections", "-c"}, integer(f.connections, 1, 100'000)),
      value_flag({"--max-connections"}, integer(f.max_connections, 1, 100'000)),
      value_flag({"--duration", "-d"},
                 [&f](const std::string& name, const std::string& v) {
                   auto d = parse_duration(v);
                   if (!d) return name + ": " + d.error();
                   if (*d < kMinStepNs) return name + ": must be at least 1ms, got '" + v + "'";
                   f.duration_ns = *d;
                   return std::string();
                 }),
      value_flag({"--timeout"},
                 [&f](const std::string&, const std::string& v) {
                   auto d = parse_duration(v);
                   if (!d) return "--timeout: " + d.error();
                   if (*d <= 0 || *d > 100'000'000'000)
                     return std::string("--timeout: must be in (0, 100s]");
                   f.plan.timeout_ns = *d;
                   return std::string();
                 }),
      value_flag({"--arrival"},
                 [&f](const std::string& name, const std::string& v) {
                   if (v != "poisson" && v != "constant")
                     return cli::refused(kWording, name, v, "constant or poisson");
                   f.plan.arrival = v == "poisson" ? Arrival::kPoisson : Arrival::kConstant;
                   return std::string();
                 }),
      value_flag({"--method", "-m"}, text(request.method)),
      value_flag({"--body"}, text(request.body)),
      value_flag(
          {"--header", "-H"},
          [&request](const std::string&, const std::string& v) { return take_header(v, request); }),
  };
}

// --tls-min-version / --tls-max-version: 1.0 .. 1.3.
Take tls_version(TlsVersion& field) {
  return [&field](const std::string& name, const std::string& v) {
    for (std::size_t i = 1; i < std::size(kTlsVersionNames); ++i) {
      if (v == kTlsVersionNames[i]) {
        field = static_cast<TlsVersion>(i);
        return std::string();
      }
    }
    return cli::refused(kWording, name, v, "1.0, 1.1, 1.2 or 1.3");
  };
}

// A URL run's connections: TLS (https:// targets) and keep-alive. Each marks
// RunFlags::connection_flags, since a scenario file sets these under "tls" and "keepalive".
std::vector<cli::Flag> connection_flags(RunFlags& f) {
  auto& t = f.plan.tls;
  const auto mark = [&f](Take take) {
    return [&f, take = std::move(take)](const std::string& name, const std::string& v) {
      f.connection_flags = true;
      return take(name, v);
    };
  };
  const auto on = [&f](std::function<void()> set) {
    return [&f, set = std::move(set)] {
      f.connection_flags = true;
      set();
    };
  };
  return {
      switch_flag({"--insecure", "-k"}, on([&t] { t.insecure = true; })),
      value_flag({"--ca-file"}, mark(text(t.ca_file))),
      value_flag({"--cert"}, mark(text(t.cert_file))),
      value_flag({"--key"}, mark(text(t.key_file))),
      value_flag({"--tls-server-name"}, mark(text(t.server_name))),
      value_flag({"--tls-min-version"}, mark(tls_version(t.min_version))),
      value_flag({"--tls-max-version"}, mark(tls_version(t.max_version))),
      switch_flag({"--no-tls-resume"}, on([&t] { t.resume = false; })),
      switch_flag({"--no-keepalive"}, on([&f] { f.plan.keepalive = false; })),
  };
}

// Every run option; the form is decided by the one positional argument.
cli::FlagTable run_table(RunFlags& f) {
  cli::FlagTable t;
  t.wording = kWording;
  for (auto part : {output_flags(f), plan_flags(f), url_flags(f), connection_flags(f)})
    t.flags.insert(t.flags.end(), part.begin(), part.end());
  t.positional = [&f](const std::string& a) {
    f.positional.push_back(a);
    return std::string();
  };
  return t;
}

std::string finish_url_plan(RunPlan& plan, const RunFlags& f, const std::string& url) {
  auto parsed = parse_url(url);
  if (!parsed) return parsed.error();
  plan.target = parsed->target;
  plan.requests[0].path = parsed->path;
  plan.name = "adhoc";
  if (!f.rate && !f.connections) {
    return "give --rate R/s (open loop) or --connections N (closed loop), or both (open loop "
           "over N connections opened at start)";
  }
  if (f.connections && f.max_connections) {
    return "--connections and --max-connections: give one (with --rate, --connections N opens "
           "all N at start; --max-connections N only caps them)";
  }
  StepPlan step;
  step.duration_ns = f.duration_ns;
  if (f.rate) {
    plan.mode = LoopMode::kOpen;
    step.start_rate = step.end_rate = *f.rate;
    step.label = format_rate(*f.rate);
    plan.connections = f.connections.value_or(f.max_connections.value_or(0));
    plan.preconnect = f.connections.has_value();
  } else {
    if (f.max_connections) return "--max-connections applies to open loop (--rate) only";
    plan.mode = LoopMode::kClosed;
    plan.connections = *f.connections;
    step.label = std::to_string(*f.connections) + " connections";
  }
  plan.steps = {step};
  return {};
}

std::expected<Command, std::string> url_command(RunFlags& f, const std::string& url) {
  RunUrlCommand cmd{f.plan, f.scenario.run};
  if (auto err = finish_url_plan(cmd.plan, f, url); !err.empty()) return std::unexpected(err);
  for (const auto& slo : cmd.run.slos) {
    // Replicas, scaling, balance, health: only the embedded stack has them.
    if (validators::needs_embedded_stack(slo)) {
      return std::unexpected("--slo '" + validators::slo_source(slo) +
                             "': judges the embedded stack (replicas, scaling, balance, "
                             "health), which a URL run does not have; URL runs accept "
                             "latency, service, lag, error, late, dropped and rps SLOs");
    }
  }
  if (f.scenario.threads) cmd.plan.threads = *f.scenario.threads;
  if (f.scenario.seed) cmd.plan.seed = *f.scenario.seed;
  return cmd;
}

std::expected<Command, std::string> parse_stack_args(const std::vector<std::string>& args) {
  StackCommand st;
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
  cli::FlagTable t;
  t.unknown = unknown_option("stack");
  t.flags.push_back(value_flag({"--run-dir"}, text(st.run_dir)));
  const std::pair<const char*, Take> up_only[] = {
      {"--replicas", integer(st.replicas, 1, 50)},
      {"--max-replicas", integer(st.max_replicas, 1, 50)},
      {"--fpm-children", integer(st.fpm_children, 1, 50)},
      {"--base-port", integer(st.base_port, 1024, 65000)},
  };
  for (const auto& [name, take] : up_only) {
    if (st.action == StackCommand::Action::kUp) {
      t.flags.push_back(value_flag({name}, take));
    } else {  // refused before its value is looked at
      t.flags.push_back(
          {{name}, cli::Flag::Arity::kSwitch, [](const std::string& n, const std::string&) {
             return n + ": applies to 'stack up' only";
           }});
    }
  }
  if (st.action == StackCommand::Action::kUp) {
    t.flags.push_back(switch_flag({"--redirect-https"}, [&st] { st.redirect_https = true; }));
  }
  if (auto parsed = cli::parse(t, std::span(args).subspan(2)); !parsed)
    return std::unexpected(parsed.error());
  if (st.replicas > st.max_replicas) {
    return std::unexpected("--replicas, --max-replicas: " + std::to_string(st.replicas) +
                           " replicas do not fit in " + std::to_string(st.max_replicas) + " slots");
  }
  return st;
}

// `loadgen COMMAND RESULT.json [FLAG VALUE]` (validate, report): the result file and one
// option, into C's result_path and `value`; `usage` is the form shown when the file is missing.
template <class C>
std::expected<Command, std::string> parse_result_args(const std::vector<std::string>& args,
                                                      const std::string& command,
                                                      const std::string& flag,
                                                      std::string C::*value,
                                                      const std::string& usage) {
  C c;
  cli::FlagTable t;
  t.flags.push_back(value_flag({flag}, text(c.*value)));
  t.positional = one_file(command, c.result_path);
  t.unknown = unknown_option(command, flag + " FILE");
  if (auto parsed = cli::parse(t, std::span(args).subspan(1)); !parsed)
    return std::unexpected(parsed.error());
  if (c.result_path.empty()) {
    return std::unexpected(command + ": missing RESULT.json (" + usage + ")");
  }
  return c;
}

std::expected<Command, std::string> parse_validate_args(const std::vector<std::string>& args) {
  return parse_result_args(args, "validate", "--scenario", &ValidateCommand::scenario_path,
                           "loadgen validate RESULT.json [--scenario SCENARIO.json]");
}

std::expected<Command, std::string> parse_report_args(const std::vector<std::string>& args) {
  return parse_result_args(args, "report", "--html", &ReportCommand::html_path,
                           "loadgen report RESULT.json [--html FILE]");
}

// "10%" or "0.1": a fraction in [0, 10].
std::expected<double, std::string> parse_tolerance(const std::string& v) {
  const bool pct = v.ends_with('%');
  const std::string num = pct ? v.substr(0, v.size() - 1) : v;
  double x = 0;
  const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), x);
  if (num.empty() || ec != std::errc{} || p != num.data() + num.size() || !std::isfinite(x))
    return std::unexpected(cli::refused(kWording, "--tolerance", v,
                                        "a percentage such as 10% or a fraction such as 0.1"));
  if (pct) x /= 100.0;
  if (x < 0 || x > 10)
    return std::unexpected("--tolerance: must be in [0%, 1000%], got '" + v + "'");
  return x;
}

std::expected<Command, std::string> parse_compare_args(const std::vector<std::string>& args) {
  CompareCommand c;
  std::vector<std::string> files;
  cli::FlagTable t;
  t.flags = {
      value_flag({"--tolerance"},
                 [&c](const std::string&, const std::string& v) {
                   auto x = parse_tolerance(v);
                   if (!x) return x.error();
                   c.tolerance = *x;
                   return std::string();
                 }),
      value_flag({"--floor"},
                 [&c](const std::string& name, const std::string& v) {
                   auto d = parse_duration(v);
                   if (!d || *d < 0)
                     return cli::refused(kWording, name, v, "a duration such as 5ms");
                   c.floor_ms = static_cast<double>(*d) / 1e6;
                   return std::string();
                 }),
      value_flag({"--html"}, text(c.html_path)),
      value_flag({"--history"}, text(c.history_dir)),
  };
  t.positional = [&files](const std::string& a) {
    files.push_back(a);
    return std::string();
  };
  t.unknown = unknown_option("compare", "--tolerance, --floor, --html, --history");
  if (auto parsed = cli::parse(t, std::span(args).subspan(1)); !parsed)
    return std::unexpected(parsed.error());
  if (!c.history_dir.empty()) {
    if (!files.empty())
      return std::unexpected("compare: --history DIR takes no result files, got '" + files[0] +
                             "'");
    return c;
  }
  if (files.size() != 2)
    return std::unexpected("compare: expected BASE.json CANDIDATE.json (or --history DIR), got " +
                           std::to_string(files.size()) + " file(s)");
  c.base_path = files[0];
  c.candidate_path = files[1];
  return c;
}

std::expected<Command, std::string> parse_merge_args(const std::vector<std::string>& args) {
  MergeCommand m;
  cli::FlagTable t;
  t.positional = [&m](const std::string& a) {
    if (m.out_path.empty()) {
      m.out_path = a;
    } else {
      m.shard_paths.push_back(a);
    }
    return std::string();
  };
  t.unknown = unknown_option("merge");
  if (auto parsed = cli::parse(t, std::span(args).subspan(1)); !parsed)
    return std::unexpected(parsed.error());
  if (m.shard_paths.empty())
    return std::unexpected("merge: expected OUT.json SHARD.json... (at least one shard)");
  return m;
}

}  // namespace

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args) {
  if (args.empty()) return std::unexpected("missing a scenario file or URL");
  if (args[0] == "stack") return parse_stack_args(args);
  if (args[0] == "validate") return parse_validate_args(args);
  if (args[0] == "report") return parse_report_args(args);
  if (args[0] == "compare") return parse_compare_args(args);
  if (args[0] == "merge") return parse_merge_args(args);
  RunFlags f;
  if (auto parsed = cli::parse(run_table(f), args); !parsed) return std::unexpected(parsed.error());
  if (f.stop) return *f.stop;
  auto& positional = f.positional;
  if (!positional.empty() && positional[0] == "run") positional.erase(positional.begin());
  if (positional.size() != 1) {
    return std::unexpected(positional.empty() ? "missing a scenario file or URL"
                                              : "unexpected argument '" + positional[1] + "'");
  }
  const auto& what = positional[0];
  if ((f.scenario.shard_index || f.scenario.start_at) && what.starts_with("http"))
    return std::unexpected(
        "--shard and --start-at apply to scenario runs (shards split a scenario's schedule)");
  if (what.starts_with("http://") || what.starts_with("https://")) return url_command(f, what);
  if (f.rate || f.connections || f.max_connections || f.duration_ns != kDefaultDurationNs) {
    return std::unexpected(
        "--rate, --connections, --max-connections and --duration apply to URL runs; a scenario "
        "file sets its own steps");
  }
  if (f.connection_flags) {
    return std::unexpected(
        "--insecure, --ca-file, --cert, --key, --tls-*, --no-tls-resume and --no-keepalive apply "
        "to URL runs; a scenario file sets them under \"tls\" and \"keepalive\"");
  }
  f.scenario.scenario_path = what;
  return f.scenario;
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
                   [--redirect-https]                  prints its HTTP and HTTPS URLs and the
                                                       certificate to trust; --redirect-https:
                                                       plain HTTP answers 308 to HTTPS
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
  --no-keepalive         one request per connection (sends "Connection: close"), so that
                         connects and TLS handshakes are part of the load
HTTPS (https:// URLs; a scenario sets these under "tls"):
  --insecure, -k         do not verify the server's certificate
  --ca-file FILE         PEM certificates to trust (default: the system store)
  --cert FILE --key FILE client certificate and its unencrypted key (PEM)
  --tls-server-name NAME SNI and the name verified (default: the URL's host)
  --tls-min-version V    lowest TLS version offered: 1.0, 1.1, 1.2 or 1.3
  --tls-max-version V    highest TLS version offered
  --no-tls-resume        every handshake a full one (default: resume the last session)
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
