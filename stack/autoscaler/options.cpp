#include "stack/autoscaler/options.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "loadgen/core/units.h"
#include "stack/layout.h"
#include "stack/services.h"

namespace lg::stack::autoscaler {
namespace {

using Result = std::expected<void, std::string>;

std::string bad(const std::string& flag, const std::string& value, const std::string& expected) {
  return flag + ": \"" + value + "\" is not accepted: expected " + expected;
}

std::expected<std::uint64_t, std::string> integer(const std::string& flag, const std::string& v,
                                                  std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  const std::string range =
      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || out < lo || out > hi) {
    return std::unexpected(bad(flag, v, range));
  }
  return out;
}

std::expected<double, std::string> real(const std::string& flag, const std::string& v,
                                        const std::string& range) {
  double out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc{} || ptr != v.data() + v.size() || !std::isfinite(out)) {
    return std::unexpected(bad(flag, v, "a number " + range));
  }
  return out;
}

std::expected<double, std::string> seconds(const std::string& flag, const std::string& v,
                                           const std::string& range) {
  const auto ns = lg::parse_duration(v);
  if (!ns) return std::unexpected(bad(flag, v, "a duration such as 2s, 500ms or 2m, " + range));
  return static_cast<double>(*ns) / 1e9;
}

// Knob names in validate()'s messages -> the flag that sets them.
const std::map<std::string, std::string>& knob_flags() {
  static const std::map<std::string, std::string> m{
      {"scale_up_cpu", "--scale-up-cpu"},
      {"scale_up_rps", "--scale-up-rps"},
      {"scale_up_response_ms", "--scale-up-response-ms"},
      {"scale_up_error_rate", "--scale-up-error-rate"},
      {"scale_down_cpu", "--scale-down-cpu"},
      {"scale_down_rps", "--scale-down-rps"},
      {"scale_down_response_ms", "--scale-down-response-ms"},
      {"min_replicas", "--min"},
      {"max_replicas", "--max"},
      {"check_interval_s", "--check-interval"},
      {"cooldown_s", "--cooldown"},
      {"window_s", "--window"},
      {"scale_down_stabilization_s", "--stabilization"},
      {"exponential_factor", "--factor"},
      {"target_value", "--target-value"},
      {"predictive_horizon_s", "--horizon"},
  };
  return m;
}

}  // namespace

std::string usage() {
  return "usage: loadgen-autoscaler --run-dir DIR --base-port P --min N --max N "
         "--fpm-children N\n"
         "  [--algorithm linear|exponential|predictive|target_tracking] [--check-interval 30s]\n"
         "  [--cooldown 120s] [--window 60s] [--stabilization 300s] [--horizon DURATION]\n"
         "  [--scale-up-cpu 70] [--scale-up-rps 100] [--scale-up-response-ms 1000]\n"
         "  [--scale-up-error-rate 0.05] [--scale-down-cpu 30] [--scale-down-rps 50]\n"
         "  [--scale-down-response-ms 200] [--factor 1.5] [--target-metric cpu|rps]\n"
         "  [--target-value 50] [--detached]\n"
         "Scales the stack's replicas (nginx + PHP-FPM behind HAProxy's be_web) between --min\n"
         "and --max; GET /health and /metrics on 127.0.0.1:<base-port + 3>; scale events in\n"
         "<run-dir>/autoscaler/events.jsonl. Stops its replicas and exits 0 on SIGTERM/SIGINT.\n";
}

std::expected<AutoscalerConfig, std::string> parse_args(const std::vector<std::string>& args) {
  AutoscalerConfig c;
  Knobs& k = c.knobs;
  const std::uint64_t max_replicas = kMaxReplicas;
  const std::uint64_t max_base = 65535 - Ports::kBlockSize + 1;
  using Setter = std::function<Result(const std::string& flag, const std::string& v)>;
  const auto set_int = [](auto& field, std::uint64_t lo, std::uint64_t hi) -> Setter {
    return [&field, lo, hi](const std::string& flag, const std::string& v) -> Result {
      auto n = integer(flag, v, lo, hi);
      if (!n) return std::unexpected(n.error());
      field = static_cast<std::remove_reference_t<decltype(field)>>(*n);
      return {};
    };
  };
  const auto set_real = [](double& field, std::string range) -> Setter {
    return [&field, range](const std::string& flag, const std::string& v) -> Result {
      auto x = real(flag, v, range);
      if (!x) return std::unexpected(x.error());
      field = *x;
      return {};
    };
  };
  const auto set_secs = [](double& field, std::string range) -> Setter {
    return [&field, range](const std::string& flag, const std::string& v) -> Result {
      auto x = seconds(flag, v, range);
      if (!x) return std::unexpected(x.error());
      field = *x;
      return {};
    };
  };
  std::map<std::string, Setter> valued{
      {"--run-dir",
       [&c](const std::string& flag, const std::string& v) -> Result {
         if (v.empty()) return std::unexpected(bad(flag, v, "a directory"));
         c.run_dir = v;
         return {};
       }},
      {"--base-port", set_int(c.base_port, 1, max_base)},
      {"--min", set_int(k.min_replicas, 1, max_replicas)},
      {"--max", set_int(k.max_replicas, 1, max_replicas)},
      {"--fpm-children", set_int(c.fpm_children, 1, 256)},
      {"--algorithm",
       [&k](const std::string& flag, const std::string& v) -> Result {
         const auto a = parse_algorithm(v);
         if (!a)
           return std::unexpected(bad(flag, v,
                                      "linear, exponential, predictive or "
                                      "target_tracking"));
         k.algorithm = *a;
         return {};
       }},
      {"--target-metric",
       [&k](const std::string& flag, const std::string& v) -> Result {
         const auto m =
             v == "rps" ? std::optional(TargetMetric::kRpsPerReplica) : parse_target_metric(v);
         if (!m) return std::unexpected(bad(flag, v, "cpu or rps"));
         k.target_metric = *m;
         return {};
       }},
      {"--check-interval", set_secs(k.check_interval_s, "> 0")},
      {"--cooldown", set_secs(k.cooldown_s, ">= 0")},
      {"--window", set_secs(k.window_s, ">= the check interval")},
      {"--stabilization", set_secs(k.scale_down_stabilization_s, ">= 0")},
      {"--horizon",
       [&k](const std::string& flag, const std::string& v) -> Result {
         auto x = seconds(flag, v, "> 0");
         if (!x) return std::unexpected(x.error());
         k.predictive_horizon_s = *x;
         return {};
       }},
      {"--scale-up-cpu", set_real(k.scale_up_cpu, "> 0 (% of one core)")},
      {"--scale-up-rps", set_real(k.scale_up_rps, "> 0 (requests/s per replica)")},
      {"--scale-up-response-ms", set_real(k.scale_up_response_ms, "> 0 (ms)")},
      {"--scale-up-error-rate", set_real(k.scale_up_error_rate, "in (0, 1]")},
      {"--scale-down-cpu", set_real(k.scale_down_cpu, "in [0, --scale-up-cpu)")},
      {"--scale-down-rps", set_real(k.scale_down_rps, "in [0, --scale-up-rps)")},
      {"--scale-down-response-ms",
       set_real(k.scale_down_response_ms, "in [0, --scale-up-response-ms)")},
      {"--factor", set_real(k.exponential_factor, "in [1.5, 2]")},
      {"--target-value", set_real(k.target_value, "> 0")},
  };

  std::set<std::string> seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    if (flag == "--help" || flag == "-h") {
      c.help = true;
      return c;
    }
    if (flag == "--detached") {
      if (value) return std::unexpected("--detached takes no value");
      c.detached = true;
      continue;
    }
    const auto it = valued.find(flag);
    if (it == valued.end()) {
      return std::unexpected("unknown argument \"" + args[i] + "\"\n" + usage());
    }
    if (!value) {
      if (i + 1 >= args.size()) return std::unexpected(flag + ": a value is needed");
      value = args[++i];
    }
    if (auto r = it->second(flag, *value); !r) return std::unexpected(r.error());
    seen.insert(flag);
  }
  std::string missing;
  for (const char* req : {"--run-dir", "--base-port", "--min", "--max", "--fpm-children"}) {
    if (!seen.contains(req)) missing += (missing.empty() ? "" : ", ") + std::string(req);
  }
  if (!missing.empty()) return std::unexpected("missing " + missing + "\n" + usage());

  const auto errors = validate(k);
  if (!errors.empty()) {
    std::string text = "invalid policy knobs:";
    for (const auto& e : errors) {
      const auto name = e.substr(0, e.find(' '));
      const auto flag = knob_flags().find(name);
      text += "\n  " + e + (flag != knob_flags().end() ? " (" + flag->second + ")" : "");
    }
    return std::unexpected(text);
  }
  return c;
}

}  // namespace lg::stack::autoscaler
