#include "scenarios/cross_field.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

#include "loadgen/core/units.h"

namespace lg::scenarios::detail {
namespace {

constexpr std::string_view kAutoscaler = "/stack/autoscaler";

// "/stack/autoscaler/KEY".
std::string knob(std::string_view key) {
  return std::string(kAutoscaler) + "/" + std::string(key);
}

bool has(const json& doc, const std::string& ptr) {
  return doc.contains(json::json_pointer(ptr));
}

// Absent (its default applies) or read without error.
bool usable(const Reader& r, const json& doc, const std::string& ptr) {
  return !has(doc, ptr) || r.read_ok(ptr);
}

// The key's value as the file writes it, or `fallback` marked as the default.
std::string value_text(const json& doc, const std::string& ptr, const std::string& fallback) {
  if (!has(doc, ptr)) return fallback + " (the default)";
  const auto& v = doc.at(json::json_pointer(ptr));
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// "30s", "200ms"; finer durations with 3 significant digits ("1.50ms").
std::string duration_text(std::int64_t ns) {
  if (ns % 1'000'000 == 0) return format_duration_exact(ns);
  return format_duration_us(static_cast<double>(ns) / 1e3);
}

// As people write it: 30, 0.05, 1000.
std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// "1 step", "3 steps".
std::string count(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void target_and_stack(Reader& r, const json& doc) {
  if (!has(doc, "/target") || !has(doc, "/stack")) return;
  r.error("/stack",
          "/stack and /target exclude each other: a scenario runs against its /target URL, or "
          "(without one) against the embedded stack that /stack describes; drop one of them "
          "(\"loadgen FILE --target URL\" runs a stack scenario against a URL)",
          {"/target"});
}

void replica_bounds(Reader& r, const json& doc, const StackSpec& s) {
  const std::string min = "/stack/replicas/min", max = "/stack/replicas/max";
  if (s.min_replicas <= s.max_replicas) return;
  if (!usable(r, doc, min) || !usable(r, doc, max)) return;
  const bool min_given = has(doc, min);
  r.error(min_given ? min : max,
          min + " " + value_text(doc, min, std::to_string(s.min_replicas)) + " must not exceed " +
              max + " " + value_text(doc, max, std::to_string(s.max_replicas)) +
              ": the stack starts min replicas and has slots for max",
          {min_given ? max : min});
}

// A knob's value as a scenario writes it: "50", "200ms", "linear".
std::string knob_text(const KnobSpec& spec, const AutoscalerKnobs& k) {
  if (spec.kind == KnobKind::kChoice) return std::string(spec.choice(k));
  const double v = *spec.number(k);
  if (spec.kind == KnobKind::kNumber) return number_text(v);
  return duration_text(std::llround(v * (spec.kind == KnobKind::kSeconds ? 1e9 : 1e6)));
}

std::string knob_ptr(std::string_view name) {
  return knob(find_knob(name)->key);
}

// The knob at `ptr` as the file writes it, or its default (marked so).
std::string knob_value(const json& doc, const AutoscalerKnobs& k, std::string_view name) {
  return value_text(doc, knob_ptr(name), knob_text(*find_knob(name), k));
}

// `key` is read by one algorithm only: under another it would be silently ignored.
void only_for(Reader& r, const json& doc, const AutoscalerKnobs& a, const std::string& key,
              Algorithm algorithm) {
  const auto ptr = knob(key);
  if (!has(doc, ptr) || a.algorithm == algorithm) return;
  r.error(ptr,
          ptr + " is used by the \"" + std::string(to_string(algorithm)) +
              "\" algorithm only, but " + knob("algorithm") + " is " +
              knob_value(doc, a, "algorithm"),
          {knob("algorithm")});
}

// target_tracking scales on its target metric alone (stack/autoscaler/policy.h).
void unused_by_target_tracking(Reader& r, const json& doc, const AutoscalerKnobs& a) {
  if (a.algorithm != Algorithm::kTargetTracking) return;
  for (const auto* key : {"scale_up", "scale_down"}) {
    const auto ptr = knob(key);
    if (!has(doc, ptr)) continue;
    r.error(ptr,
            ptr + " is unused when " + knob("algorithm") +
                " is \"target_tracking\": that algorithm scales on " + knob("target") + " alone",
            {knob("algorithm")});
  }
}

// Between a scale_down threshold and its scale_up one the replica count holds still; the
// autoscaler refuses a down threshold at or above the up one (AutoscalerKnobs::validate()).
void threshold_order(Reader& r, const json& doc, const AutoscalerKnobs& a, const KnobProblem& p) {
  const auto down_p = knob_ptr(p.knob), up_p = knob_ptr(p.related.at(0));
  if (!usable(r, doc, up_p) || !usable(r, doc, down_p)) return;
  const bool down_given = has(doc, down_p);
  r.error(down_given ? down_p : up_p,
          down_p + " " + knob_value(doc, a, p.knob) + " must be below " + up_p + " " +
              knob_value(doc, a, p.related[0]) +
              ": the autoscaler scales up above the one and down below the other",
          {down_given ? up_p : down_p});
}

// The window averages the samples taken once per check interval: it must hold one (two for
// the predictive algorithm's trend line; AutoscalerKnobs::validate()).
void window_holds_samples(Reader& r, const json& doc, const AutoscalerKnobs& a,
                          const KnobProblem& p) {
  const auto win = knob_ptr(p.knob), every = knob_ptr(p.related.at(0));
  if (!usable(r, doc, win) || !usable(r, doc, every)) return;
  const int n = samples_needed(a.algorithm);
  const bool win_given = has(doc, win);
  std::vector<std::string> related{win_given ? every : win};
  if (n > 1) related.push_back(knob("algorithm"));
  const auto need = std::llround(n * a.check_interval_s * 1e9);
  r.error(win_given ? win : every,
          win + " " + knob_value(doc, a, p.knob) + " must be at least " +
              (n > 1 ? std::to_string(n) + " x " : "") + every + " " +
              knob_value(doc, a, p.related[0]) +
              (n > 1 ? " = " + duration_text(need) + " when " + knob("algorithm") +
                           " is \"predictive\": its trend line needs two samples"
                     : ": the window averages the samples taken once per check interval"),
          related);
}

// The autoscaler's own rules across knobs, worded for the file. Its rules for one knob alone
// are the file's bounds here, judged as each key was read (KnobSpec::file).
void autoscaler_rules(Reader& r, const json& doc, const Scenario& sc) {
  if (!sc.stack || !has(doc, std::string(kAutoscaler))) return;
  if (!doc.at(json::json_pointer(std::string(kAutoscaler))).is_object()) return;
  if (!usable(r, doc, knob("algorithm"))) return;
  const auto& a = sc.stack->autoscaler;
  only_for(r, doc, a, "factor", Algorithm::kExponential);
  only_for(r, doc, a, "target", Algorithm::kTargetTracking);
  unused_by_target_tracking(r, doc, a);
  const auto problems = a.validate();
  // Thresholds before the window, as the file lists them; target_tracking uses no thresholds.
  for (const auto& p : problems) {
    const auto& spec = *find_knob(p.knob);
    if (!spec.below.empty() && a.algorithm != Algorithm::kTargetTracking)
      threshold_order(r, doc, a, p);
  }
  for (const auto& p : problems) {
    if (!find_knob(p.knob)->holds_samples_of.empty()) window_holds_samples(r, doc, a, p);
  }
}

// The step with the highest rate, and how to name it.
struct Peak {
  std::string pointer;            // "/steps/3/rate" or "/steps/3/users"
  double rate = 0;                // requests/s
  std::vector<std::string> keys;  // every key that sets the rate
  std::string text;               // "/steps/3/rate asks for 500/s"
};

std::optional<Peak> peak_of(const Reader& r, const json& doc, const std::vector<StepRate>& rates) {
  if (rates.empty() || !r.clean_under("/steps") || !usable(r, doc, "/rate_per_user")) return {};
  const auto top = std::max_element(rates.begin(), rates.end(), [](const auto& a, const auto& b) {
    return a.rate < b.rate;
  });  // the first of equal peaks
  Peak p;
  p.pointer = "/steps/" + std::to_string(top->index) + (top->from_users ? "/users" : "/rate");
  p.rate = top->rate;
  p.keys = {p.pointer};
  p.text = p.pointer + " asks for " + format_rate(p.rate);
  if (top->from_users) {
    if (has(doc, "/rate_per_user")) p.keys.push_back("/rate_per_user");
    const auto users = doc.at(json::json_pointer(p.pointer)).get<std::size_t>();
    p.text += " (" + count(users, "user") + " x /rate_per_user " +
              value_text(doc, "/rate_per_user", "1/s") + ")";
  }
  return p;
}

// Little's law: at `rate` requests/s, each holding its connection for up to the timeout when
// the target is slow, rate x timeout connections are busy at once. A smaller cap makes the
// generator, not the target, limit the rate: arrivals would wait for a connection.
void connections_carry_peak(Reader& r, const json& doc, const RunPlan& plan, const Peak& peak) {
  if (!r.read_ok("/connections") || !usable(r, doc, "/timeout")) return;
  const double timeout_s = static_cast<double>(plan.timeout_ns) / 1e9;
  const double busy = peak.rate * timeout_s;
  const double cap = static_cast<double>(plan.connections);
  if (busy <= cap * (1 + 1e-9)) return;
  std::vector<std::string> related{"/timeout"};
  related.insert(related.end(), peak.keys.begin(), peak.keys.end());
  r.error("/connections",
          "/connections " + std::to_string(plan.connections) + " carry at most " +
              format_rate(cap / timeout_s) + " at /timeout " +
              value_text(doc, "/timeout", duration_text(plan.timeout_ns)) + "; " + peak.text +
              " (Little's law: requests/s x timeout connections are busy when the target is "
              "slow); raise /connections to at least " +
              std::to_string(static_cast<std::uint64_t>(std::ceil(busy - 1e-9))) +
              " or shorten /timeout",
          related);
}

// The run's average rate cannot exceed its highest step.
void min_rps_reachable(Reader& r, const json& doc, const Peak& peak) {
  if (!r.read_ok("/slo/min_rps")) return;
  const auto& wanted = doc.at(json::json_pointer("/slo/min_rps"));
  if (wanted.get<double>() <= peak.rate * (1 + 1e-9)) return;
  r.error("/slo/min_rps",
          "/slo/min_rps " + wanted.dump() +
              " can never be met: the run's average rate cannot exceed its highest step, and " +
              peak.text,
          peak.keys);
}

// The faults /faults makes: distinct fault numbers of the plan's actions (a pause and its resume
// share one).
std::size_t fault_count(const RunPlan& plan) {
  std::set<std::uint32_t> faults;
  for (const auto& a : plan.actions)
    if (a.fault != 0) faults.insert(a.fault);
  return faults.size();
}

// "recovers within T of fault N" and the other fault checks need a fault N. The SLOs are read
// before /faults, so this rule runs with the others, after every key: over the expressions of
// /slo/checks (the only SLOs that can name a fault) that were read without error.
void slo_faults_exist(Reader& r, const json& doc, const Scenario& sc) {
  const json::json_pointer checks("/slo/checks");
  if (!r.clean_under("/faults") || !doc.contains(checks) || !doc.at(checks).is_array()) return;
  const std::size_t faults = fault_count(sc.run);
  const auto& list = doc.at(checks);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ptr = "/slo/checks/" + std::to_string(i);
    if (!list[i].is_string() || !r.clean_under(ptr)) continue;
    const auto slo = validators::parse_slo(list[i].get<std::string>());
    if (!slo || slo->fault == 0 || slo->fault <= faults) continue;
    r.error(ptr,
            ptr + " \"" + slo->text + "\" refers to fault " + std::to_string(slo->fault) +
                ", but " +
                (has(doc, "/faults") ? "/faults makes " + count(faults, "fault")
                                     : std::string("the scenario has no /faults")) +
                " (faults count from 1, in the file's order)",
            {"/faults"});
  }
}

}  // namespace

void check_cross_fields(Reader& r, const json& doc, const Scenario& sc,
                        const std::vector<StepRate>& rates) {
  const RunPlan& plan = sc.run;
  target_and_stack(r, doc);
  if (sc.stack) replica_bounds(r, doc, *sc.stack);
  autoscaler_rules(r, doc, sc);
  if (const auto peak = peak_of(r, doc, rates)) {
    connections_carry_peak(r, doc, plan, *peak);
    min_rps_reachable(r, doc, *peak);
  }
  slo_faults_exist(r, doc, sc);
}

void check_slo_fits(Reader& r, const std::string& ptr, const validators::Slo& slo,
                    const Scenario& sc) {
  const RunPlan& plan = sc.run;
  if (validators::needs_embedded_stack(slo) && !sc.stack) {
    r.error(ptr,
            "\"" + slo.text +
                "\" judges the embedded stack (replicas, scaling, balance, health), but /target "
                "runs the scenario against another system: drop " +
                ptr + ", or drop /target to use the embedded stack",
            {"/target"});
    return;
  }
  if (slo.deadline && slo.deadline->step > plan.steps.size() && r.clean_under("/steps")) {
    r.error(ptr,
            ptr + " \"" + slo.text + "\" refers to step " + std::to_string(slo.deadline->step) +
                ", but /steps makes " + count(plan.steps.size(), "step") +
                " (counting warm-up steps, and each ramp as a step of its own)",
            {"/steps"});
  }
}

}  // namespace lg::scenarios::detail
