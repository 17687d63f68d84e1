#include "scenarios/scenario_loader.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "loadgen/core/url.h"
#include "scenarios/action_list.h"
#include "scenarios/cross_field.h"
#include "scenarios/reader.h"
#include "scenarios/scenario_keys.h"
#include "scenarios/tls_section.h"
#include "validators/slo.h"

namespace lg::scenarios {
namespace {

using detail::json;
using detail::Reader;

void read_target(Reader& r, const json& v, RunPlan& plan) {
  const auto mark = r.mark();
  const auto text = r.string(v, "/target", "a URL such as \"http://127.0.0.1:8080\"");
  if (!r.clean_since(mark)) return;
  auto url = parse_url(text);
  if (!url) {
    r.error("/target", url.error());
    return;
  }
  plan.target = url->target;
  if (url->path != "/") plan.target.base_path = url->path;
  if (!plan.target.base_path.empty() && plan.target.base_path.back() == '/') {
    plan.target.base_path.pop_back();
  }
}

// A list of keys as the errors show them: "cpu", "value" -> "\"cpu\", \"value\"" (quoted) or
// "cpu, value".
std::string key_list(const std::string& ptr, bool quoted) {
  std::string out;
  for (const auto& k : child_keys(key_pattern(ptr))) {
    out += (out.empty() ? "" : ", ") + (quoted ? "\"" + k + "\"" : k);
  }
  return out;
}

// One autoscaler knob (stack/model/autoscaler_knobs.h) in its kind's form, within what a file
// accepts (KnobSpec::file); after an error it keeps its default.
void read_knob(Reader& r, const json& v, const std::string& ptr, const KnobSpec& knob,
               AutoscalerKnobs& k) {
  if (knob.kind == KnobKind::kChoice) {
    const auto name = r.choice(v, ptr);
    if (!name.empty()) knob.set_choice(k, name);
    return;
  }
  if (knob.kind == KnobKind::kNumber) {
    knob.set_number(k, r.number(v, ptr, knob.file.lo, knob.file.hi, *knob.number(k)));
    return;
  }
  const auto mark = r.mark();
  const auto ns = r.duration(v, ptr);
  if (!r.clean_since(mark)) return;
  const double x = static_cast<double>(ns) / (knob.kind == KnobKind::kSeconds ? 1e9 : 1e6);
  if (knob.file.contains(x)) {
    knob.set_number(k, x);
  } else {
    r.error(ptr, "must be greater than 0, got " + Reader::show(v));  // the file's only bound
  }
}

// The autoscaler object, its groups ("scale_up", "scale_down", "target": each checked at its
// first knob) and its knobs, in the knob table's order.
void read_autoscaler(Reader& r, const json& v, StackSpec& stack) {
  const std::string ptr = "/stack/autoscaler";
  if (!r.object(v, ptr, "an object (" + key_list(ptr, false) + ")")) return;
  stack.autoscaler_enabled =
      v.contains("enabled") ? r.boolean(v["enabled"], ptr + "/enabled", true) : true;
  std::set<std::string> checked;
  for (const auto& knob : kKnobTable) {
    if (knob.key.empty()) continue;  // not a scenario's to set
    const auto slash = knob.key.find('/');
    const json* obj = &v;
    if (slash != std::string_view::npos) {
      const std::string group(knob.key.substr(0, slash));
      if (!v.contains(group)) continue;
      obj = &v[group];
      const auto at = ptr + "/" + group;
      if (checked.insert(group).second) {
        r.object(*obj, at, "an object {" + key_list(at, true) + "}");
      }
      if (!obj->is_object()) continue;
    }
    const std::string leaf(knob.key.substr(slash == std::string_view::npos ? 0 : slash + 1));
    if (!obj->contains(leaf)) continue;
    read_knob(r, (*obj)[leaf], ptr + "/" + std::string(knob.key), knob, stack.autoscaler);
  }
}

void read_replicas(Reader& r, const json& rep, StackSpec& stack) {
  if (!r.object(rep, "/stack/replicas", "{\"min\": N, \"max\": N}")) return;
  // min <= max is a cross-field rule (cross_field.h): either may be a default.
  if (rep.contains("min")) {
    stack.min_replicas =
        static_cast<std::uint32_t>(r.integer(rep["min"], "/stack/replicas/min", 1, 50));
  }
  if (rep.contains("max")) {
    stack.max_replicas =
        static_cast<std::uint32_t>(r.integer(rep["max"], "/stack/replicas/max", 1, 50));
  }
}

// {"enabled"?, "redirect"?}: given, the run goes over HTTPS unless "enabled" is false.
void read_stack_tls(Reader& r, const json& v, StackTls& tls) {
  const std::string ptr = "/stack/tls";
  if (!r.object(v, ptr, "an object {\"enabled\", \"redirect\"}")) return;
  tls.enabled = v.contains("enabled") ? r.boolean(v["enabled"], ptr + "/enabled", true) : true;
  if (v.contains("redirect")) tls.redirect = r.boolean(v["redirect"], ptr + "/redirect", false);
  tls.redirect = tls.redirect && tls.enabled;  // "enabled": false is as if absent
}

// {"enabled"?, "rate"?, "burst"?, "ceiling"?, "connections"?}: given, on unless disabled.
void read_stack_limits(Reader& r, const json& v, StackLimits& l) {
  const std::string ptr = "/stack/limits";
  if (!r.object(v, ptr, "an object {\"rate\", \"burst\", \"ceiling\", \"connections\"}")) {
    return;
  }
  l.enabled = v.contains("enabled") ? r.boolean(v["enabled"], ptr + "/enabled", true) : true;
  const std::pair<const char*, std::uint32_t StackLimits::*> counts[] = {
      {"rate", &StackLimits::rate},
      {"burst", &StackLimits::burst},
      {"ceiling", &StackLimits::ceiling},
      {"connections", &StackLimits::connections}};
  for (const auto& [key, member] : counts) {
    if (!v.contains(key)) continue;
    const std::uint64_t lo = member == &StackLimits::burst ? 0 : 1;
    l.*member = static_cast<std::uint32_t>(r.integer(v[key], ptr + "/" + key, lo, 100'000));
  }
}

void read_stack(Reader& r, const json& v, StackSpec& stack) {
  if (!r.object(v, "/stack",
                "an object {\"replicas\", \"fpm_children\", \"autoscaler\", \"tls\", "
                "\"limits\"}")) {
    return;
  }
  if (v.contains("tls")) read_stack_tls(r, v["tls"], stack.tls);
  if (v.contains("limits")) read_stack_limits(r, v["limits"], stack.limits);
  if (v.contains("replicas")) read_replicas(r, v["replicas"], stack);
  if (v.contains("fpm_children")) {
    stack.fpm_children =
        static_cast<std::uint32_t>(r.integer(v["fpm_children"], "/stack/fpm_children", 1, 64));
  }
  if (v.contains("autoscaler")) read_autoscaler(r, v["autoscaler"], stack);
}

void read_headers(Reader& r, const json& h, const std::string& ptr, RequestSpec& spec) {
  if (!h.is_object()) {
    r.error(ptr, "expected an object of header name -> string value, got " + Reader::show(h));
    return;
  }
  for (const auto& [k, val] : h.items()) {
    spec.headers.emplace_back(k, r.string(val, ptr + "/" + k, "a header value"));
  }
}

RequestSpec read_request(Reader& r, const json& v, const std::string& ptr) {
  RequestSpec spec;
  if (!r.object(v, ptr, "an object {\"method\", \"path\", \"headers\", \"body\", \"weight\"}")) {
    return spec;
  }
  if (v.contains("method")) spec.method = r.string(v["method"], ptr + "/method", "an HTTP method");
  if (v.contains("path")) {
    spec.path = r.string(v["path"], ptr + "/path", "a path starting with /");
  } else {
    r.error(ptr + "/path",
            "missing (a path starting with /, e.g. \"/api/item?id={{rand 1 10000}}\")");
  }
  if (v.contains("body")) spec.body = r.string(v["body"], ptr + "/body", "the request body");
  if (v.contains("weight")) {
    spec.weight = static_cast<std::uint32_t>(r.integer(v["weight"], ptr + "/weight", 1, 1'000'000));
  }
  if (v.contains("headers")) read_headers(r, v["headers"], ptr + "/headers", spec);
  return spec;
}

void read_requests(Reader& r, const json& reqs, RunPlan& plan) {
  if (!r.array(reqs, "/requests", "a non-empty array of requests", 1)) return;
  plan.requests.clear();
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    plan.requests.push_back(read_request(r, reqs[i], "/requests/" + std::to_string(i)));
  }
}

// A step's rate, requests/s: users x rate_per_user, or its own "rate". Both keys are read (so
// that each is checked), but only one may be given.
double read_step_rate(Reader& r, const json& s, const std::string& ptr, double rate_per_user,
                      StepPlan& step) {
  if (s.contains("users") == s.contains("rate")) {
    r.error(ptr, "give exactly one of \"users\" (virtual users x rate_per_user) or \"rate\", got " +
                     Reader::show(s));
  }
  double rate = 0;
  if (s.contains("rate")) {
    rate = r.rate(s["rate"], ptr + "/rate");
    step.label = std::to_string(static_cast<long long>(std::llround(rate))) + "/s";
  }
  if (s.contains("users")) {
    step.users = static_cast<std::uint32_t>(r.integer(s["users"], ptr + "/users", 0, 1'000'000));
    rate = step.users * rate_per_user;
    step.label = std::to_string(step.users) + " users";
  }
  return rate;
}

void read_step_duration(Reader& r, const json& s, const std::string& ptr, StepPlan& step) {
  if (!s.contains("duration")) {
    r.error(ptr + "/duration", "missing (a duration such as \"60s\")");
    return;
  }
  const auto mark = r.mark();
  step.duration_ns = r.duration(s["duration"], ptr + "/duration");
  if (r.clean_since(mark) && step.duration_ns < kMinStepNs) {
    r.error(ptr + "/duration", "must be at least 1ms, got " + Reader::show(s["duration"]));
  }
}

// Reads the file's steps into plan.steps (a ramp becomes a step of its own) and returns each
// file step's rate for the cross-field rules.
std::vector<detail::StepRate> read_steps(Reader& r, const json& v, double rate_per_user,
                                         RunPlan& plan) {
  std::vector<detail::StepRate> rates;
  if (!r.array(v, "/steps", "a non-empty array of {\"users\", \"duration\"}", 1)) return rates;
  double previous = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto ptr = "/steps/" + std::to_string(i);
    const auto& s = v[i];
    if (!r.object(s, ptr, "an object {\"users\", \"duration\"}")) continue;
    StepPlan step;
    const double rate = read_step_rate(r, s, ptr, rate_per_user, step);
    rates.push_back({i, rate, s.contains("users")});
    read_step_duration(r, s, ptr, step);
    if (s.contains("warmup")) step.warmup = r.boolean(s["warmup"], ptr + "/warmup", false);
    if (s.contains("ramp")) {
      const auto ramp = r.duration(s["ramp"], ptr + "/ramp");
      if (ramp > 0) {
        plan.steps.push_back({"ramp to " + step.label, step.users, previous, rate, ramp, true});
      }
    }
    step.start_rate = step.end_rate = rate;
    plan.steps.push_back(step);
    previous = rate;
  }
  return rates;
}

}  // namespace

namespace {

using Exprs = std::vector<std::pair<std::string, std::string>>;  // (pointer, expression)

// The short form's numbers: "error_rate" (a fraction) and "min_rps" (requests/s).
void read_slo_numbers(Reader& r, const json& v, Exprs& exprs) {
  if (v.contains("error_rate")) {
    const auto& e = v["error_rate"];
    if (!e.is_number() || e.get<double>() < 0 || e.get<double>() > 1) {
      r.error("/slo/error_rate",
              "expected a fraction in [0, 1] such as 0.05, got " + Reader::show(e));
    } else {
      r.ok("/slo/error_rate");
      exprs.emplace_back("/slo/error_rate", "error_rate < " + Reader::show(e));
    }
  }
  if (v.contains("min_rps")) {
    const auto& m = v["min_rps"];
    if (!m.is_number() || m.get<double>() < 0) {
      r.error("/slo/min_rps", "expected a number of requests/s >= 0, got " + Reader::show(m));
    } else {
      r.ok("/slo/min_rps");
      // A throughput floor is about the run: a deliberately low step must not fail it.
      exprs.emplace_back("/slo/min_rps", "run: rps >= " + Reader::show(m));
    }
  }
}

void read_slo_replicas(Reader& r, const json& v, const Scenario& sc, Exprs& exprs) {
  if (r.choice(v, "/slo/replicas").empty()) return;
  if (!sc.stack) {
    r.error("/slo/replicas",
            "\"within_bounds\" checks the embedded stack's replica count, but /target runs the "
            "scenario against another system: drop /slo/replicas, or drop /target to use the "
            "embedded stack",
            {"/target"});
    return;
  }
  exprs.emplace_back("/slo/replicas", "replicas within [" + std::to_string(sc.stack->min_replicas) +
                                          ", " + std::to_string(sc.stack->max_replicas) + "]");
}

void read_slo_checks(Reader& r, const json& c, Exprs& exprs) {
  if (!r.array(c, "/slo/checks", "an array of SLO expressions such as \"p(99) < 2s\"")) return;
  for (std::size_t i = 0; i < c.size(); ++i) {
    const auto ptr = "/slo/checks/" + std::to_string(i);
    exprs.emplace_back(ptr, r.string(c[i], ptr, "an SLO expression"));
  }
}

// The short form ({"p95": "1s", "error_rate": 0.05, "min_rps": 100, "replicas":
// "within_bounds"}) becomes expressions; "checks" adds expressions as written. Each is
// parsed here, at the edge, so a bad SLO stops the run before any load is sent.
void read_slo(Reader& r, const json& v, Scenario& sc) {
  if (!r.object(v, "/slo", "an object such as {\"p95\": \"1s\", \"error_rate\": 0.05}")) return;
  Exprs exprs;
  for (const char* p : {"p50", "p90", "p95", "p99", "max"}) {
    if (!v.contains(p)) continue;
    const auto ptr = std::string("/slo/") + p;
    exprs.emplace_back(ptr,
                       std::string(p) + " < " + r.string(v[p], ptr, "a duration such as \"1s\""));
  }
  read_slo_numbers(r, v, exprs);
  if (v.contains("replicas")) read_slo_replicas(r, v["replicas"], sc, exprs);
  if (v.contains("checks")) read_slo_checks(r, v["checks"], exprs);
  for (const auto& [ptr, text] : exprs) {
    auto slo = validators::parse_slo(text);
    if (!slo) {
      r.error(ptr, slo.error());
      continue;
    }
    const auto mark = r.mark();
    detail::check_slo_fits(r, ptr, *slo, sc);
    if (r.clean_since(mark)) sc.slos.push_back(std::move(*slo));
  }
}

void read_schema_version(Reader& r, const json& doc) {
  if (!doc.contains("schema_version")) {
    r.error("/schema_version", "missing (this loadgen reads schema_version 1)");
    return;
  }
  r.choice(doc["schema_version"], "/schema_version");
}

void read_arrival(Reader& r, const json& v, RunPlan& plan) {
  if (r.choice(v, "/arrival") == "poisson") plan.arrival = Arrival::kPoisson;
}

void read_timeout(Reader& r, const json& v, RunPlan& plan) {
  const auto mark = r.mark();
  plan.timeout_ns = r.duration(v, "/timeout");
  if (r.clean_since(mark) && (plan.timeout_ns <= 0 || plan.timeout_ns > 100'000'000'000)) {
    r.error("/timeout", "must be in (0, 100s], got " + Reader::show(v));
  }
}

void read_scenario(Reader& r, const json& doc, const std::filesystem::path& base_dir,
                   Scenario& sc) {
  RunPlan& plan = sc.run;
  r.only_keys(doc, "");
  read_schema_version(r, doc);
  if (doc.contains("name")) plan.name = r.string(doc["name"], "/name", "the scenario's name");
  if (doc.contains("target")) {
    read_target(r, doc["target"], plan);  // with "stack" too: a cross-field error
  } else {
    sc.stack.emplace();
    if (doc.contains("stack")) read_stack(r, doc["stack"], *sc.stack);
  }
  if (doc.contains("requests")) read_requests(r, doc["requests"], plan);
  if (doc.contains("arrival")) read_arrival(r, doc["arrival"], plan);
  double per_user = 1.0;
  if (doc.contains("rate_per_user")) per_user = r.rate(doc["rate_per_user"], "/rate_per_user");
  std::vector<detail::StepRate> rates;
  if (doc.contains("steps")) {
    rates = read_steps(r, doc["steps"], per_user, plan);
  } else {
    r.error("/steps", "missing: a non-empty array of {\"users\", \"duration\"}");
  }
  if (doc.contains("timeout")) read_timeout(r, doc["timeout"], plan);
  if (doc.contains("keepalive")) plan.keepalive = r.boolean(doc["keepalive"], "/keepalive", true);
  if (doc.contains("tls")) {  // after the target and the stack: is it HTTPS?
    const bool https = plan.target.tls || (sc.stack && sc.stack->tls.enabled);
    detail::read_tls(r, doc["tls"], base_dir, https, plan);
  }
  if (doc.contains("connections")) {
    plan.connections =
        static_cast<std::uint32_t>(r.integer(doc["connections"], "/connections", 1, 100'000));
  }
  if (doc.contains("threads")) {
    plan.threads = static_cast<std::uint32_t>(r.integer(doc["threads"], "/threads", 1, 256));
  }
  if (doc.contains("seed")) plan.seed = r.integer(doc["seed"], "/seed", 0, UINT64_MAX);
  if (doc.contains("slo")) read_slo(r, doc["slo"], sc);
  if (doc.contains("actions")) detail::read_actions(r, doc["actions"], plan);  // after steps
  if (doc.contains("faults")) detail::read_faults(r, doc["faults"], sc.stack.has_value(), plan);
  detail::check_cross_fields(r, doc, sc, rates);
}

}  // namespace

std::string LoadErrors::to_string() const {
  std::ostringstream out;
  for (const auto& e : errors) {
    out << file << ": " << (e.pointer.empty() ? "/" : e.pointer) << ": " << e.message << '\n';
  }
  return out.str();
}

// Finds keys that appear twice in one object (JSON allows it; a strict scenario does not),
// as the parser walks the document.
class DuplicateKeys {
 public:
  std::vector<ScenarioError> found;

  bool on_event(json::parse_event_t event, const json& parsed) {
    using E = json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        frames_.push_back({event == E::array_start, 0, {}, {}});
        break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        element_done();
        break;
      case E::value:
        element_done();
        break;
      case E::key:
        key(parsed.get<std::string>());
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::set<std::string> keys;
    std::string key;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  void key(const std::string& k) {
    auto& f = frames_.back();
    if (!f.keys.insert(k).second) {
      std::string ptr;
      for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
        ptr += "/" + (frames_[i].array ? std::to_string(frames_[i].index) : frames_[i].key);
      }
      found.push_back(
          {ptr + "/" + k, "duplicate key \"" + k + "\" (each key may appear once)", {}});
    }
    f.key = k;
  }
  std::vector<Frame> frames_;
};

std::expected<Scenario, LoadErrors> parse_scenario(std::string_view text, std::string_view file) {
  LoadErrors errs{std::string(file), {}};
  json doc;
  DuplicateKeys dups;
  try {
    doc = json::parse(text, [&dups](int, json::parse_event_t e, json& parsed) {
      return dups.on_event(e, parsed);
    });
  } catch (const json::parse_error& e) {
    // e.what() carries the line and column of the first syntax error.
    errs.errors.push_back({"", std::string("not valid JSON: ") + e.what(), {}});
    return std::unexpected(errs);
  }
  if (!doc.is_object()) {
    errs.errors.push_back({"", "expected a JSON object at the top level", {}});
    return std::unexpected(errs);
  }
  Reader r;
  r.errors = std::move(dups.found);
  Scenario sc;
  read_scenario(r, doc, std::filesystem::path(file).parent_path(), sc);
  if (!r.errors.empty()) {
    errs.errors = std::move(r.errors);
    return std::unexpected(errs);
  }
  return sc;
}

std::expected<Scenario, LoadErrors> load_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return std::unexpected(LoadErrors{path.string(), {{"", "cannot open the file", {}}}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path.string());
}

}  // namespace lg::scenarios
