#include "stack/autoscaler/options.h"

#include <cstdint>
#include <string_view>

#include "loadgen/cli/flags.h"
#include "stack/layout.h"
#include "stack/services.h"

namespace lg::stack::autoscaler {
namespace {

constexpr auto kWording = cli::Wording::kAutoscaler;
constexpr std::size_t kUsageWidth = 90;  // columns of the usage lines that list the flags

template <class T>
cli::Flag integer(const char* name, T& field, std::uint64_t lo, std::uint64_t hi) {
  return {{name},
          cli::Flag::Arity::kValue,
          [&field, lo, hi](const std::string& flag, const std::string& v) {
            auto n = cli::to_uint(kWording, flag, v, lo, hi);
            if (!n) return n.error();
            field = static_cast<T>(*n);
            return std::string();
          }};
}

// The flag that sets a knob that validate() names.
std::string flag_of(std::string_view knob) {
  if (knob == "min_replicas") return "--min";
  if (knob == "max_replicas") return "--max";
  const auto* spec = find_knob(knob);
  return spec != nullptr ? std::string(spec->flag) : std::string();
}

// Items on lines of at most kUsageWidth columns, each indented by two spaces.
std::string wrapped(const std::vector<std::string>& items) {
  std::string out, line;
  for (const auto& item : items) {
    if (!line.empty() && 2 + line.size() + 1 + item.size() > kUsageWidth) {
      out += "  " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + item;
  }
  return out + "  " + line + "\n";
}

}  // namespace

std::string usage() {
  auto items = knob_usage();
  items.emplace_back("[--detached]");
  items.emplace_back("[--fault-proxy]");
  return "usage: loadgen-autoscaler --run-dir DIR --base-port P --min N --max N "
         "--fpm-children N\n" +
         wrapped(items) +
         "Scales the stack's replicas (nginx + PHP-FPM behind HAProxy's be_web) between --min\n"
         "and --max; GET /health and /metrics on 127.0.0.1:<base-port + 3>; scale events in\n"
         "<run-dir>/autoscaler/events.jsonl. Stops its replicas and exits 0 on SIGTERM/SIGINT.\n";
}

std::expected<AutoscalerConfig, std::string> parse_args(const std::vector<std::string>& args) {
  AutoscalerConfig c;
  Knobs& k = c.knobs;
  cli::FlagTable table{kWording, knob_flags(k), true, {}, [](const std::string& arg) {
                         return "unknown argument \"" + arg + "\"\n" + usage();
                       }};
  const auto flag = [&table](cli::Flag f) { table.flags.push_back(std::move(f)); };
  flag({{"--run-dir"}, cli::Flag::Arity::kValue, [&c](const std::string& f, const std::string& v) {
          if (v.empty()) return cli::refused(kWording, f, v, "a directory");
          c.run_dir = v;
          return std::string();
        }});
  flag(integer("--base-port", c.base_port, 1, 65535 - Ports::kBlockSize + 1));
  flag(integer("--min", k.min_replicas, 1, kMaxReplicas));
  flag(integer("--max", k.max_replicas, 1, kMaxReplicas));
  flag(integer("--fpm-children", c.fpm_children, 1, 256));
  flag({{"--detached"}, cli::Flag::Arity::kSwitch, [&c](const std::string&, const std::string&) {
          c.detached = true;
          return std::string();
        }});
  flag({{"--fault-proxy"}, cli::Flag::Arity::kSwitch, [&c](const std::string&, const std::string&) {
          c.fault_proxy = true;
          return std::string();
        }});
  flag({{"--help", "-h"}, cli::Flag::Arity::kStop, [&c](const std::string&, const std::string&) {
          c.help = true;
          return std::string();
        }});

  const auto parsed = cli::parse(table, args);
  if (!parsed) return std::unexpected(parsed.error());
  if (c.help) return c;
  std::string missing;
  for (const char* req : {"--run-dir", "--base-port", "--min", "--max", "--fpm-children"}) {
    if (!parsed->seen.contains(req)) missing += (missing.empty() ? "" : ", ") + std::string(req);
  }
  if (!missing.empty()) return std::unexpected("missing " + missing + "\n" + usage());

  const auto problems = k.validate();
  if (!problems.empty()) {
    std::string text = "invalid policy knobs:";
    for (const auto& p : problems) {
      const auto f = flag_of(p.knob);
      text += "\n  " + p.text + (f.empty() ? "" : " (" + f + ")");
    }
    return std::unexpected(text);
  }
  return c;
}

}  // namespace lg::stack::autoscaler
