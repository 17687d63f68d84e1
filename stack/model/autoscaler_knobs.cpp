#include "stack/model/autoscaler_knobs.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "loadgen/core/units.h"

namespace lg {
namespace {

// The shortest text that reads back as the same double: 70 -> "70", 0.05 -> "0.05".
std::string exact_number(double v) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return ec == std::errc{} ? std::string(buf.data(), end) : std::to_string(v);
}

std::string str(std::string_view s) {
  return std::string(s);
}

// "linear, exponential, predictive or target_tracking".
std::string choice_list(const KnobSpec& spec) {
  std::string out;
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    if (i > 0) out += i + 1 == spec.choices.size() ? " or " : ", ";
    out += spec.choices[i];
  }
  return out;
}

// What a knob flag accepts, for its errors: "> 0 (% of one core)", "in [0, --scale-up-cpu)".
std::string flag_range(const KnobSpec& spec) {
  if (!spec.below.empty()) {
    return "in [" + two_decimals(spec.range.lo) + ", " + str(find_knob(spec.below)->flag) + ")";
  }
  if (!spec.holds_samples_of.empty()) return ">= the check interval";
  std::string out = spec.range.text();
  if (!spec.unit.empty() && spec.kind != KnobKind::kSeconds) out += " (" + str(spec.unit) + ")";
  return out;
}

// One knob flag's value into `k`: "" when taken, else the error.
std::string take_flag(AutoscalerKnobs& k, const KnobSpec& spec, const std::string& flag,
                      const std::string& value) {
  constexpr auto w = cli::Wording::kAutoscaler;
  if (spec.kind == KnobKind::kChoice) {
    return spec.set_choice(k, value) ? "" : cli::refused(w, flag, value, choice_list(spec));
  }
  const auto v = spec.kind == KnobKind::kSeconds ? cli::to_seconds(w, flag, value, flag_range(spec))
                                                 : cli::to_number(w, flag, value, flag_range(spec));
  if (!v) return v.error();
  spec.set_number(k, *v);
  return "";
}

// The rule of a `below` or `holds_samples_of` row, on top of its range: whether `v` keeps it,
// and how it reads in a problem (" and < scale_up_cpu (70)"). `related` gets the other knobs.
bool keeps_relation(const AutoscalerKnobs& k, const KnobSpec& spec, double v, std::string& must,
                    std::vector<std::string>& related) {
  if (!spec.below.empty()) {
    const double up = *find_knob(spec.below)->number(k);
    must += " and < " + str(spec.below) + " (" + two_decimals(up) + ")";
    related = {str(spec.below)};
    return v < up;
  }
  if (!spec.holds_samples_of.empty()) {
    const int n = samples_needed(k.algorithm);
    const double need = n * *find_knob(spec.holds_samples_of)->number(k);
    const auto of = str(spec.holds_samples_of);
    must = n == 1 ? ">= " + of + " (" + two_decimals(need) + "): it must hold a sample"
                  : ">= " + std::to_string(n) + " x " + of + " (" + two_decimals(need) +
                        ") for predictive: a line needs two samples";
    related = {of};
    if (n > 1) related.emplace_back("algorithm");
    return v >= need;
  }
  return true;
}

}  // namespace

std::string_view to_string(Algorithm a) {
  const auto i = static_cast<std::size_t>(a);
  return i < kAlgorithmNames.size() ? kAlgorithmNames[i] : "?";
}
std::string_view to_string(TargetMetric m) {
  return m == TargetMetric::kCpu ? "cpu" : "rps_per_replica";
}
std::optional<Algorithm> parse_algorithm(std::string_view s) {
  for (auto a : {Algorithm::kLinear, Algorithm::kExponential, Algorithm::kPredictive,
                 Algorithm::kTargetTracking})
    if (s == to_string(a)) return a;
  return std::nullopt;
}
std::optional<TargetMetric> parse_target_metric(std::string_view s) {
  for (auto m : {TargetMetric::kCpu, TargetMetric::kRpsPerReplica})
    if (s == to_string(m)) return m;
  return std::nullopt;
}

std::string two_decimals(double v) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  std::string s(buf.data());
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

bool KnobRange::contains(double v) const {
  if (!std::isfinite(v)) return false;
  return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
}

std::string KnobRange::text() const {
  const bool low = std::isfinite(lo), high = std::isfinite(hi);
  if (low && !high) return (lo_open ? "> " : ">= ") + two_decimals(lo);
  if (!low && high) return (hi_open ? "< " : "<= ") + two_decimals(hi);
  if (!low) return "";
  return std::string("in ") + (lo_open ? "(" : "[") + two_decimals(lo) + ", " + two_decimals(hi) +
         (hi_open ? ")" : "]");
}

std::optional<double> KnobSpec::number(const AutoscalerKnobs& k) const {
  return std::visit(
      [&k](auto m) -> std::optional<double> {
        using T = std::remove_cvref_t<decltype(k.*m)>;
        if constexpr (std::is_enum_v<T>) {
          return std::nullopt;
        } else {
          return k.*m;
        }
      },
      member);
}

void KnobSpec::set_number(AutoscalerKnobs& k, double v) const {
  std::visit(
      [&k, v](auto m) {
        using T = std::remove_cvref_t<decltype(k.*m)>;
        if constexpr (!std::is_enum_v<T>) k.*m = v;
      },
      member);
}

std::string_view KnobSpec::choice(const AutoscalerKnobs& k) const {
  return std::visit(
      [this, &k](auto m) -> std::string_view {
        using T = std::remove_cvref_t<decltype(k.*m)>;
        if constexpr (std::is_enum_v<T>) {
          const auto i = static_cast<std::size_t>(k.*m);
          return i < choices.size() ? choices[i] : "?";
        } else {
          return "";
        }
      },
      member);
}

bool KnobSpec::set_choice(AutoscalerKnobs& k, std::string_view text) const {
  return std::visit(
      [this, &k, text](auto m) {
        using T = std::remove_cvref_t<decltype(k.*m)>;
        if constexpr (std::is_enum_v<T>) {
          for (std::size_t i = 0; i < choices.size(); ++i) {
            const auto e = static_cast<T>(i);
            if (text != choices[i] && text != to_string(e)) continue;
            k.*m = e;
            return true;
          }
        }
        return false;
      },
      member);
}

const KnobSpec* find_knob(std::string_view name) {
  for (const auto& spec : kKnobTable)
    if (spec.name == name) return &spec;
  return nullptr;
}

std::vector<KnobProblem> AutoscalerKnobs::validate() const {
  std::vector<KnobProblem> out;
  for (const auto& spec : kKnobTable) {
    const auto v = spec.number(*this);
    if (!v) continue;  // a choice (always one of its names), or an optional knob left unset
    std::string must = spec.range.text();
    std::vector<std::string> related;
    const bool in_range = spec.range.contains(*v);  // evaluated first: NaN fails every rule
    if (keeps_relation(*this, spec, *v, must, related) && in_range) continue;
    out.push_back({str(spec.name), std::move(related),
                   str(spec.name) + " = " + two_decimals(*v) + ": must be " + must});
  }
  return out;
}

std::vector<std::string> AutoscalerKnobs::to_args() const {
  std::vector<std::string> out;
  for (const auto& spec : kKnobTable) {
    if (spec.kind == KnobKind::kChoice) {
      out.insert(out.end(), {str(spec.flag), str(spec.choice(*this))});
      continue;
    }
    const auto v = spec.number(*this);
    if (!v) continue;
    out.emplace_back(spec.flag);
    out.push_back(spec.kind == KnobKind::kSeconds ? format_duration_exact(std::llround(*v * 1e9))
                                                  : exact_number(*v));
  }
  return out;
}

std::expected<AutoscalerKnobs, std::string> AutoscalerKnobs::from_args(
    std::span<const std::string> args) {
  AutoscalerKnobs k;
  const cli::FlagTable table{cli::Wording::kAutoscaler, knob_flags(k), true, {}, {}};
  if (auto parsed = cli::parse(table, args); !parsed) return std::unexpected(parsed.error());
  return k;
}

std::vector<cli::Flag> knob_flags(AutoscalerKnobs& k) {
  std::vector<cli::Flag> out;
  for (const auto& spec : kKnobTable) {
    out.push_back({{str(spec.flag)},
                   cli::Flag::Arity::kValue,
                   [&k, &spec](const std::string& flag, const std::string& value) {
                     return take_flag(k, spec, flag, value);
                   }});
  }
  return out;
}

std::vector<std::string> knob_usage() {
  const AutoscalerKnobs defaults;
  std::vector<std::string> out;
  for (const auto& spec : kKnobTable) {
    std::string value;
    if (spec.kind == KnobKind::kChoice) {
      for (const auto& c : spec.choices) value += (value.empty() ? "" : "|") + str(c);
    } else if (const auto v = spec.number(defaults); !v) {
      value = "DURATION";  // unset by default: no value to show
    } else {
      value = spec.kind == KnobKind::kSeconds ? format_duration_exact(std::llround(*v * 1e9))
                                              : exact_number(*v);
    }
    out.push_back("[" + str(spec.flag) + " " + value + "]");
  }
  return out;
}

}  // namespace lg
