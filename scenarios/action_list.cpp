#include "scenarios/action_list.h"

#include <array>
#include <cmath>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/units.h"
#include "stack/model/fault_target.h"

namespace lg::scenarios::detail {
namespace {

// An action fires while the load runs: at t = 0 (the first step's start) or later, before the
// last step ends. Judged only when the steps themselves are right (one problem, one error).
void check_within_plan(Reader& r, const json& at, const std::string& ptr, std::int64_t at_ns,
                       const RunPlan& plan) {
  if (!r.clean_under("/steps") || plan.steps.empty()) return;
  const auto length = plan.total_duration_ns();
  if (at_ns < length) return;
  const auto text = format_duration_us(static_cast<double>(length) / 1e3);  // "2.50s"
  r.error(ptr,
          ptr + " " + Reader::show(at) + " is not before the end of the plan: /steps last " + text +
              " (ramps included), and an action fires while the load runs; give a time below " +
              text,
          {"/steps"});
}

// "at", "kind" and "target" of an action or a fault (an object already checked).
TimedAction read_fields(Reader& r, const json& v, const std::string& ptr, const RunPlan& plan) {
  TimedAction a;
  if (v.contains("at")) {
    const auto mark = r.mark();
    a.at_ns = r.duration(v["at"], ptr + "/at");
    if (r.clean_since(mark)) check_within_plan(r, v["at"], ptr + "/at", a.at_ns, plan);
  } else {
    r.error(ptr + "/at", "missing (when, since the run's start: a duration such as \"30s\")");
  }
  if (v.contains("kind")) {
    a.kind = r.choice(v["kind"], ptr + "/kind");
  } else {
    r.error(ptr + "/kind", "missing (what to do, e.g. \"noop\")");
  }
  if (v.contains("target")) {
    a.target = r.string(v["target"], ptr + "/target", "what the action acts on");
  }
  return a;
}

TimedAction read_action(Reader& r, const json& v, const std::string& ptr, const RunPlan& plan) {
  if (!r.object(v, ptr, "an object {\"at\", \"kind\", \"target\"}")) return {};
  return read_fields(r, v, ptr, plan);
}

// What each fault kind needs: a duration (then the loader adds its end action), which targets
// it takes, and the params it reads (each turned into TimedAction::params by params_of).
enum class Targets : std::uint8_t { kProcess, kNetwork, kHost };
struct FaultKind {
  std::string_view name;
  std::string_view end;  // the kind of the action that ends it ("" = done at once)
  Targets targets;
  std::initializer_list<std::string_view> params;  // accepted keys of "params"
};
const std::array<FaultKind, 8> kFaultKinds{{
    {"kill", "", Targets::kProcess, {}},
    {"pause", "resume", Targets::kProcess, {}},
    {"latency", "clear", Targets::kNetwork, {"ms", "direction"}},
    {"jitter", "clear", Targets::kNetwork, {"ms", "jitter_ms", "direction"}},
    {"bandwidth", "clear", Targets::kNetwork, {"kbps", "direction"}},
    {"reset", "clear", Targets::kNetwork, {}},
    {"hang", "clear", Targets::kNetwork, {}},
    {"cpu", "clear", Targets::kHost, {"cores"}},
}};

const FaultKind* find_kind(std::string_view name) {
  for (const auto& k : kFaultKinds)
    if (k.name == name) return &k;
  return nullptr;
}

std::string number_text(double v) {
  std::ostringstream o;
  o << v;  // shortest form: "200", "12.5"
  return o.str();
}

// A number param in [lo, hi], or `fallback` when absent and not required.
double param(Reader& r, const json& params, const std::string& ptr, const char* key, double lo,
             double hi, double fallback, bool required, std::string_view what) {
  if (!params.contains(key)) {
    if (required) r.error(ptr + "/" + key, "missing (" + std::string(what) + ")");
    return fallback;
  }
  return r.number(params[key], ptr + "/" + key, lo, hi, fallback);
}

// The kind's params as its executor reads them: the fault proxy's toxics, or stress-ng's.
std::string params_of(Reader& r, const FaultKind& k, const json& v, const std::string& ptr,
                      std::int64_t duration_ns) {
  const json none = json::object();
  const json& p = v.contains("params") ? v["params"] : none;
  const std::string pp = ptr + "/params";
  if (v.contains("params") && r.object(p, pp, "an object of the kind's params")) {
    for (const auto& [key, _] : p.items()) {
      bool ok = false;
      for (const auto& a : k.params) ok = ok || a == key;
      if (ok) continue;
      std::string accepted;
      for (const auto& a : k.params) accepted += (accepted.empty() ? "" : ", ") + std::string(a);
      r.error(pp + "/" + key, pp + "/" + key + ": a " + std::string(k.name) + " fault takes " +
                                  (accepted.empty() ? "no params" : "only " + accepted));
    }
  }
  std::string dir = "down";
  if (p.contains("direction")) dir = r.choice(p["direction"], pp + "/direction");
  const auto each_dir = [&dir](const std::string& toxic) {
    std::string out;
    for (const char* d : {"down", "up"})
      if (dir == "both" || dir == d) out += (out.empty() ? "" : " ") + std::string(d) + "." + toxic;
    return out;
  };
  if (k.name == "latency") {
    const double ms = param(r, p, pp, "ms", 0.001, 60'000, 0, true, "the delay in ms, e.g. 200");
    return each_dir("latency_ms=" + number_text(ms));
  }
  if (k.name == "jitter") {
    const double j =
        param(r, p, pp, "jitter_ms", 0.001, 60'000, 0, true, "the +/- spread in ms, e.g. 50");
    const double ms = param(r, p, pp, "ms", 0, 60'000, j, false, "");
    return each_dir("latency_ms=" + number_text(ms)) + " " +
           each_dir("jitter_ms=" + number_text(j));
  }
  if (k.name == "bandwidth") {
    const double kbps =
        param(r, p, pp, "kbps", 1, 10'000'000, 0, true, "the rate in kB/s (1000 bytes/s)");
    return each_dir("kbps=" + number_text(kbps));
  }
  if (k.name == "reset") return "reset=1";
  if (k.name == "hang") return "hang=1";
  if (k.name == "cpu") {
    const double cores = param(r, p, pp, "cores", 1, 64, 1, false, "");
    if (std::floor(cores) != cores)
      r.error(pp + "/cores",
              pp + "/cores: a whole number of cores (1..64), not " + number_text(cores));
    // Whole seconds, rounded up: stress-ng's own timeout, a backstop behind the "clear".
    const auto seconds = (duration_ns + 999'999'999) / 1'000'000'000 + 1;
    return "cores=" + number_text(cores) + " seconds=" + std::to_string(seconds);
  }
  return "";
}

// The target, checked against what the kind acts on.
void check_target(Reader& r, const FaultKind* k, const json& v, const std::string& ptr,
                  TimedAction& a) {
  if (k != nullptr && k->targets == Targets::kHost) {
    if (!v.contains("target")) a.target = "host";
    if (r.read_ok(ptr + "/target") && a.target != "host")
      r.error(ptr + "/target", ptr + "/target: a cpu fault burns the host's cores; accepted: host");
    return;
  }
  if (!v.contains("target")) {
    r.error(ptr + "/target",
            std::string("missing (what the fault acts on: ") + kFaultTargetsAccepted + ")");
    return;
  }
  if (!r.read_ok(ptr + "/target")) return;
  const auto t = parse_fault_target(a.target);
  if (!t) {
    r.error(ptr + "/target", ptr + "/target: " + t.error());
    return;
  }
  if (k != nullptr && k->targets == Targets::kNetwork &&
      (t->what == FaultTarget::What::kAutoscaler || t->part != FaultTarget::Part::kBoth)) {
    r.error(ptr + "/target", ptr + "/target: a " + std::string(k->name) +
                                 " fault acts on the network between HAProxy and a replica, or "
                                 "between the app and MariaDB; accepted: replica:N (N >= 1), "
                                 "replica:any, db");
  }
}

// A fault: {"at", "kind", "target", "duration", "params"} -> its action(s) in plan.actions.
void read_fault(Reader& r, const json& v, const std::string& ptr, std::uint32_t number,
                RunPlan& plan) {
  if (!r.object(v, ptr, "an object {\"at\", \"kind\", \"target\", \"duration\", \"params\"}"))
    return;
  TimedAction a = read_fields(r, v, ptr, plan);
  a.fault = number;
  const FaultKind* k = find_kind(a.kind);
  check_target(r, k, v, ptr, a);
  const bool lasts = k != nullptr && !k->end.empty();
  std::int64_t duration = 0;
  if (v.contains("duration")) {
    if (k != nullptr && !lasts) {
      r.error(ptr + "/duration",
              ptr + "/duration: a " + a.kind + " is done at once and takes no duration");
    } else {
      const auto mark = r.mark();
      duration = r.duration(v["duration"], ptr + "/duration");
      if (r.clean_since(mark) && duration <= 0) {
        r.error(ptr + "/duration", ptr + "/duration: must be above 0 (how long the fault lasts)");
      }
    }
  } else if (lasts) {
    r.error(ptr + "/duration", "missing (how long the " + a.kind + " lasts, e.g. \"2s\")");
  }
  if (k != nullptr) a.params = params_of(r, *k, v, ptr, duration);
  plan.actions.push_back(a);
  if (!lasts || duration <= 0 || !r.clean_under(ptr)) return;
  TimedAction end = a;
  end.kind = std::string(k->end);
  end.at_ns = a.at_ns + duration;
  const auto length = plan.total_duration_ns();
  if (end.at_ns >= length) {
    r.error(ptr + "/duration",
            ptr + "/duration: the " + a.kind + " would end at " +
                format_duration_us(static_cast<double>(end.at_ns) / 1e3) +
                ", not before the end of the plan (" +
                format_duration_us(static_cast<double>(length) / 1e3) +
                "): a fault is judged while the load runs",
            {ptr + "/at", "/steps"});
    return;
  }
  plan.actions.push_back(end);
}

// A route has one set of toxics at a time: a second network fault on the same target while
// the first lasts would replace its toxics, and the first's clear would end both.
void refuse_overlaps(Reader& r, const RunPlan& plan) {
  struct Span {
    std::uint32_t fault;
    std::string target;
    std::int64_t from, to;
  };
  std::vector<Span> spans;
  for (const auto& a : plan.actions) {
    if (a.fault == 0) continue;
    const auto* k = find_kind(a.kind);
    if (k != nullptr && k->targets == Targets::kNetwork) {
      spans.push_back({a.fault, a.target, a.at_ns, a.at_ns});
    } else if (a.kind == "clear" && !spans.empty() && spans.back().fault == a.fault) {
      spans.back().to = a.at_ns;
    }
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    for (std::size_t j = i + 1; j < spans.size(); ++j) {
      const auto &a = spans[i], &b = spans[j];
      if (a.target != b.target || a.to <= b.from || b.to <= a.from) continue;
      const auto ptr = "/faults/" + std::to_string(b.fault - 1);
      r.error(ptr,
              ptr + ": a network fault on " + b.target + " while fault " + std::to_string(a.fault) +
                  " (/faults/" + std::to_string(a.fault - 1) +
                  ") still acts on it: a route has one set of toxics at a time; start it "
                  "after the other ends",
              {"/faults/" + std::to_string(a.fault - 1)});
    }
  }
}

}  // namespace

void read_faults(Reader& r, const json& v, bool embedded_stack, RunPlan& plan) {
  if (!r.array(v, "/faults", "an array of {\"at\", \"kind\", \"target\", \"duration\"}")) return;
  if (!embedded_stack && !v.empty()) {
    r.error("/faults/0",
            "/faults/0: a " +
                (v[0].is_object() && v[0].contains("kind") && v[0]["kind"].is_string()
                     ? v[0]["kind"].get<std::string>()
                     : std::string("fault")) +
                " acts on the embedded stack's processes, and this scenario targets a URL "
                "(\"target\"); remove \"faults\" or the target",
            {"/target"});
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    read_fault(r, v[i], "/faults/" + std::to_string(i), static_cast<std::uint32_t>(i + 1), plan);
  }
  if (r.clean_under("/faults")) refuse_overlaps(r, plan);
}

void read_actions(Reader& r, const json& v, RunPlan& plan) {
  if (!r.array(v, "/actions", "an array of {\"at\", \"kind\", \"target\"}")) return;
  for (std::size_t i = 0; i < v.size(); ++i) {
    plan.actions.push_back(read_action(r, v[i], "/actions/" + std::to_string(i), plan));
  }
}

}  // namespace lg::scenarios::detail
