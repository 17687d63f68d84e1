#include "stack/autoscaler/policy.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace lg::stack::autoscaler {
namespace {

// Kubernetes' default --horizontal-pod-autoscaler-tolerance: no change within +/-10 % of target.
constexpr double kTolerance = 0.1;
// Products carry rounding error: 15 x (62 / 30) is 31.000000000000004 in doubles, and must give 31.
constexpr double kCeilSlack = 1e-9;

std::string num(double v) {
  return two_decimals(v);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// The inputs that have thresholds, with how they are shown (error rate as a percentage) and
// their knobs; error rate has no down threshold.
struct Metric {
  const char* name;
  double Inputs::*field;
  double scale;  // shown value = value x scale
  const char* unit;
  double AutoscalerKnobs::*up;
  double AutoscalerKnobs::*down;  // nullptr: not part of the down condition
};
constexpr std::array<Metric, 4> kMetrics{{
    {"cpu", &Inputs::cpu_percent, 1, "%", &Knobs::scale_up_cpu, &Knobs::scale_down_cpu},
    {"rps/replica", &Inputs::rps_per_replica, 1, "", &Knobs::scale_up_rps, &Knobs::scale_down_rps},
    {"response", &Inputs::response_ms, 1, " ms", &Knobs::scale_up_response_ms,
     &Knobs::scale_down_response_ms},
    {"error rate", &Inputs::error_rate, 100, "%", &Knobs::scale_up_error_rate, nullptr},
}};

std::string show(const Metric& m, double v) {
  return num(v * m.scale) + m.unit;
}

// "cpu 83.1% > 70%" for every input strictly above its up threshold.
std::vector<std::string> up_triggers(const Inputs& in, const Knobs& k, const std::string& prefix,
                                     const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& m : kMetrics) {
    const double v = in.*m.field;
    if (v > k.*m.up)
      out.push_back(prefix + m.name + " " + show(m, v) + " > " + show(m, k.*m.up) + suffix);
  }
  return out;
}

// The down condition, input by input: `met` lists "cpu 10% < 30%", `missed` "cpu 50% not < 30%".
void down_check(const Inputs& in, const Knobs& k, std::vector<std::string>& met,
                std::vector<std::string>& missed) {
  for (const auto& m : kMetrics) {
    if (m.down == nullptr) continue;
    const double v = in.*m.field;
    const bool below = v < k.*m.down;
    (below ? met : missed)
        .push_back(m.name + std::string(" ") + show(m, v) + (below ? " < " : " not < ") +
                   show(m, k.*m.down));
  }
}

Inputs means(const std::vector<Sample>& w) {
  Inputs m;
  for (const auto& s : w)
    for (const auto& f : kInputFields) m.*f.input += s.*f.sample;
  const auto n = static_cast<double>(w.size());
  for (const auto& f : kInputFields) m.*f.input /= n;
  return m;
}

// Least-squares line through (t_s, field) evaluated at at_s; the mean when all samples share
// one time (no slope to fit). Never below 0: no input is negative.
double project(const std::vector<Sample>& w, double Sample::*field, double at_s) {
  const auto n = static_cast<double>(w.size());
  double t_mean = 0, y_mean = 0;
  for (const auto& s : w) {
    t_mean += s.t_s / n;
    y_mean += s.*field / n;
  }
  double sxx = 0, sxy = 0;
  for (const auto& s : w) {
    sxx += (s.t_s - t_mean) * (s.t_s - t_mean);
    sxy += (s.t_s - t_mean) * (s.*field - y_mean);
  }
  const double y = sxx > 0 ? y_mean + sxy / sxx * (at_s - t_mean) : y_mean;
  return std::max(0.0, y);
}

// The nearest count in [lo, hi] to x (x may be huge or NaN: NaN gives lo).
std::uint32_t clamp_count(double x, std::uint32_t lo, std::uint32_t hi) {
  if (!(x > lo)) return lo;
  if (x >= hi) return hi;
  return static_cast<std::uint32_t>(x);
}

// What an algorithm asks for before bounds, stabilisation and cooldown are applied.
struct Proposal {
  Action action = Action::kNone;
  double desired = 0;  // unclamped
  std::string reason;
  bool down_condition = false;  // the condition that must hold for the stabilisation window
};

Proposal thresholds(const Knobs& k, const std::vector<Sample>& w, double now_s, std::uint32_t cur,
                    Decision& d) {
  Proposal p;
  auto up = up_triggers(d.observed, k, "", "");
  if (k.algorithm == Algorithm::kPredictive) {
    // Up fires on the higher of observed and projected (as AWS predictive scaling does): a
    // falling line must not hold back a replica that is overloaded now.
    const double at = now_s + k.horizon_s();
    Inputs pr;
    for (const auto& f : kInputFields) pr.*f.input = project(w, f.sample, at);
    pr.error_rate = std::min(1.0, pr.error_rate);  // a share
    d.projected = pr;
    if (up.empty()) up = up_triggers(pr, k, "predicted ", " in " + num(k.horizon_s()) + " s");
  }
  if (!up.empty()) {
    p.action = Action::kUp;
    p.desired = cur + 1.0;
    if (k.algorithm == Algorithm::kExponential)
      p.desired = std::max(p.desired, std::ceil(cur * k.exponential_factor - kCeilSlack));
    p.reason = join(up);
    return p;
  }
  std::vector<std::string> met, missed;
  down_check(d.observed, k, met, missed);
  if (!missed.empty()) {
    p.reason = "steady: " + join(missed);
    return p;
  }
  p.action = Action::kDown;
  p.desired = cur - 1.0;
  p.down_condition = true;
  p.reason = join(met);
  return p;
}

Proposal target_tracking(const Knobs& k, std::uint32_t cur, const Decision& d) {
  Proposal p;
  const bool cpu = k.target_metric == TargetMetric::kCpu;
  const double observed = cpu ? d.observed.cpu_percent : d.observed.rps_per_replica;
  const std::string name = cpu ? "cpu" : "rps/replica";
  const std::string unit = cpu ? "%" : "";
  if (!std::isfinite(observed)) {
    p.reason = name + " is not a number";
    return p;
  }
  const double ratio = observed / k.target_value;
  const std::string what =
      name + " " + num(observed) + unit + " vs target " + num(k.target_value) + unit;
  // Bounds compared as 1 -/+ tolerance (not |ratio - 1| <= tolerance): 55 / 50 and 1 + 0.1 are
  // the same double, while 55 / 50 - 1 is a hair above 0.1.
  if (ratio >= 1.0 - kTolerance && ratio <= 1.0 + kTolerance) {
    p.reason = "steady: " + what + " (within 10%)";
    return p;
  }
  p.desired = std::ceil(cur * ratio - kCeilSlack);
  p.reason = what + ": ceil(" + std::to_string(cur) + " x " + num(ratio) + ") = " + num(p.desired);
  p.down_condition = ratio < 1.0;
  if (p.desired > cur)
    p.action = Action::kUp;
  else if (p.desired < cur)
    p.action = Action::kDown;
  return p;
}

}  // namespace

std::string_view to_string(Action a) {
  switch (a) {
    case Action::kNone:
      return "none";
    case Action::kUp:
      return "up";
    case Action::kDown:
      return "down";
  }
  return "?";
}

std::vector<KnobProblem> Knobs::validate() const {
  std::vector<KnobProblem> out;
  if (min_replicas < 1)
    out.push_back({"min_replicas", {}, "min_replicas = " + num(min_replicas) + ": must be >= 1"});
  if (max_replicas < min_replicas)
    out.push_back({"max_replicas",
                   {"min_replicas"},
                   "max_replicas = " + num(max_replicas) + ": must be >= min_replicas (" +
                       num(min_replicas) + ")"});
  auto knobs = AutoscalerKnobs::validate();
  out.insert(out.end(), knobs.begin(), knobs.end());
  return out;
}

std::vector<std::string> validate(const Knobs& k) {
  std::vector<std::string> out;
  for (const auto& p : k.validate()) out.push_back(p.text);
  return out;
}

std::expected<Policy, std::vector<std::string>> Policy::create(Knobs knobs) {
  auto errors = validate(knobs);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return Policy(std::move(knobs));
}

Decision Policy::decide(const std::deque<Sample>& window, double now_s, const State& state) const {
  const Knobs& k = knobs_;
  const std::uint32_t cur = state.current;
  Decision d;
  d.desired = cur;

  // 1. Out of bounds (a crash, or knobs changed under a running stack): fix it now, whatever the
  // cooldown says; being outside [min, max] is worse than scaling twice in a row.
  if (cur < k.min_replicas || cur > k.max_replicas) {
    const bool below = cur < k.min_replicas;
    d.desired = below ? k.min_replicas : k.max_replicas;
    d.action = below ? Action::kUp : Action::kDown;
    d.reason = (below ? "below min: " : "above max: ") + std::to_string(cur) +
               (below ? " < " : " > ") + std::to_string(d.desired) +
               ", corrected at once (cooldown ignored)";
    return d;
  }

  // 2. The window: (now - window_s, now]; later samples are not known yet at now_s.
  std::vector<Sample> w;
  for (const auto& s : window)
    if (s.t_s > now_s - k.window_s && s.t_s <= now_s) w.push_back(s);
  d.samples = w.size();
  if (w.empty()) {
    d.reason = "no samples in the last " + num(k.window_s) + " s";
    return d;
  }
  d.observed = means(w);

  // 3. The algorithm's proposal.
  Proposal p = k.algorithm == Algorithm::kTargetTracking ? target_tracking(k, cur, d)
                                                         : thresholds(k, w, now_s, cur, d);
  if (p.down_condition) d.down_since_s = state.down_since_s.value_or(now_s);
  d.reason = p.reason;
  if (p.action == Action::kNone) return d;

  // 4. Bounds.
  const bool up = p.action == Action::kUp;
  if (up ? cur >= k.max_replicas : cur <= k.min_replicas) {
    d.reason += up ? "; at max " + std::to_string(k.max_replicas)
                   : "; at min " + std::to_string(k.min_replicas);
    return d;
  }
  const std::uint32_t desired = up ? clamp_count(p.desired, cur + 1, k.max_replicas)
                                   : clamp_count(p.desired, k.min_replicas, cur - 1);
  if (up && p.desired > k.max_replicas) d.reason += "; capped at max " + num(k.max_replicas);
  if (!up && p.desired < k.min_replicas) d.reason += "; floored at min " + num(k.min_replicas);

  // 5. Stabilisation: down only after the condition has held continuously for the window.
  if (!up) {
    const double held = now_s - *d.down_since_s;
    if (held < k.scale_down_stabilization_s) {
      d.reason += "; down condition held " + num(held) + " s of " +
                  num(k.scale_down_stabilization_s) + " s";
      return d;
    }
  }

  // 6. Cooldown: released at exactly cooldown_s after the last scale event.
  if (state.last_scale_s) {
    const double since = now_s - *state.last_scale_s;
    if (since < k.cooldown_s) {
      d.reason +=
          "; cooldown: " + num(k.cooldown_s - since) + " s of " + num(k.cooldown_s) + " s left";
      return d;
    }
  }
  d.action = p.action;
  d.desired = desired;
  return d;
}

}  // namespace lg::stack::autoscaler
