#include "loadgen/app/cli.h"

#include <charconv>
#include <cmath>

#include "loadgen/core/units.h"
#include "loadgen/core/url.h"

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
  if (a == "--out")
    return take([&](const std::string& v) { return (cmd.out_dir = v, std::string()); });
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
      if (*d <= 0) return a + ": must be greater than 0";
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

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args) {
  Command cmd;
  if (args.empty()) return std::unexpected("missing a scenario file or URL");
  if (args[0] == "stack") return parse_stack_args(args);
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
  for (const char* later : {"validate", "report", "compare", "merge"}) {
    if (!positional.empty() && positional[0] == later) {
      return std::unexpected("'" + positional[0] + "' is not available in this version yet");
    }
  }
  if (positional.size() != 1) {
    return std::unexpected(positional.empty() ? "missing a scenario file or URL"
                                              : "unexpected argument '" + positional[1] + "'");
  }
  const auto& what = positional[0];
  if (what.starts_with("http://") || what.starts_with("https://")) {
    cmd.kind = CommandKind::kRunUrl;
    if (auto err = finish_url_plan(cmd, uf, what); !err.empty()) return std::unexpected(err);
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
  loadgen SCENARIO.json [--out DIR] [--target URL] [--threads T] [--seed N] [--quiet]
  loadgen run SCENARIO.json [...]                      (same as above)
  loadgen URL --rate R/s [--duration D] [options]      open loop: R requests/s on schedule
  loadgen URL --connections N [--duration D] [options] closed loop: N busy connections
  loadgen URL --rate R/s --connections N [...]         open loop over N connections opened
                                                       at start and kept open
  loadgen stack up [--replicas N] [--max-replicas N] [--fpm-children N] [--base-port P]
  loadgen stack status|down [--run-dir DIR]            the embedded stack, by hand
  loadgen --help | --version

Options:
  --out DIR              where result.json goes (default: results/NAME-YYYYMMDD-HHMMSS)
  --target URL           run a scenario against this URL (overrides its "target")
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

Exit codes: 0 pass, 1 SLO failed, 2 invalid input, 3 environment failure (target
unreachable, generator saturated), 130 interrupted (partial results written).
)";
}

}  // namespace lg::app
