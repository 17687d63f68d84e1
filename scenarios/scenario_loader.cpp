#include "scenarios/scenario_loader.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "loadgen/core/units.h"
#include "loadgen/core/url.h"
#include "validators/slo.h"

namespace lg::scenarios {
namespace {

// Ordered, so that request headers are sent in the order the file gives them.
using json = nlohmann::ordered_json;

// Collects errors while walking the document; every accessor reports and returns a default.
class Reader {
 public:
  std::vector<ScenarioError> errors;

  void error(const std::string& ptr, const std::string& msg) { errors.push_back({ptr, msg}); }
  // For follow-on checks: only judge a value further if reading it reported nothing (one
  // problem, one error).
  std::size_t mark() const { return errors.size(); }
  bool clean_since(std::size_t mark) const { return errors.size() == mark; }

  static std::string show(const json& v) {
    auto s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
  }

  void only_keys(const json& obj, const std::string& ptr, const std::set<std::string>& allowed) {
    for (const auto& [k, v] : obj.items()) {
      if (allowed.contains(k)) continue;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      error(ptr + "/" + k, "unknown key \"" + k + "\" (accepted keys: " + list + ")");
    }
  }

  std::string string(const json& v, const std::string& ptr, const std::string& what) {
    if (v.is_string()) return v.get<std::string>();
    error(ptr, "expected a string (" + what + "), got " + show(v));
    return {};
  }

  std::int64_t duration(const json& v, const std::string& ptr) {
    if (!v.is_string()) {
      error(ptr, "expected a duration string such as \"250ms\", \"60s\" or \"2m\", got " + show(v));
      return 0;
    }
    auto d = parse_duration(v.get<std::string>());
    if (!d) error(ptr, d.error());
    return d.value_or(0);
  }

  double rate(const json& v, const std::string& ptr) {
    if (!v.is_string()) {
      error(ptr, "expected a rate string such as \"1/s\" or \"30/m\", got " + show(v));
      return 0;
    }
    auto r = parse_rate(v.get<std::string>());
    if (!r) error(ptr, r.error());
    return r.value_or(0);
  }

  std::uint64_t integer(const json& v, const std::string& ptr, std::uint64_t lo, std::uint64_t hi) {
    if (!v.is_number_integer() ||
        (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) ||
        v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi) {
      error(ptr, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got " + show(v));
      return lo;
    }
    return v.get<std::uint64_t>();
  }
};

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

// A number in [lo, hi] (a threshold or factor); reports and returns `fallback` otherwise.
double number_in(Reader& r, const json& v, const std::string& ptr, double lo, double hi,
                 double fallback) {
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    r.error(ptr, "expected a number in [" + Reader::show(json(lo)) + ", " + Reader::show(json(hi)) +
                     "], got " + Reader::show(v));
    return fallback;
  }
  return v.get<double>();
}

double millis(Reader& r, const json& v, const std::string& ptr) {
  return static_cast<double>(r.duration(v, ptr)) / 1e6;
}

void read_thresholds(Reader& r, const json& v, const std::string& ptr, AutoscalerPlan& a, bool up) {
  if (!v.is_object()) {
    r.error(ptr, "expected an object {\"cpu\", \"rps_per_replica\", \"response_time\"" +
                     std::string(up ? ", \"error_rate\"}" : "}") + ", got " + Reader::show(v));
    return;
  }
  if (up) {
    r.only_keys(v, ptr, {"cpu", "rps_per_replica", "response_time", "error_rate"});
  } else {
    r.only_keys(v, ptr, {"cpu", "rps_per_replica", "response_time"});
  }
  auto& cpu = up ? a.scale_up_cpu : a.scale_down_cpu;
  auto& rps = up ? a.scale_up_rps : a.scale_down_rps;
  auto& rt = up ? a.scale_up_response_ms : a.scale_down_response_ms;
  if (v.contains("cpu")) cpu = number_in(r, v["cpu"], ptr + "/cpu", 0, 100, cpu);
  if (v.contains("rps_per_replica")) {
    rps = number_in(r, v["rps_per_replica"], ptr + "/rps_per_replica", 0, 1e9, rps);
  }
  if (v.contains("response_time")) rt = millis(r, v["response_time"], ptr + "/response_time");
  if (up && v.contains("error_rate")) {
    a.scale_up_error_rate =
        number_in(r, v["error_rate"], ptr + "/error_rate", 0, 1, a.scale_up_error_rate);
  }
}

void read_autoscaler(Reader& r, const json& v, AutoscalerPlan& a) {
  const std::string ptr = "/stack/autoscaler";
  if (!v.is_object()) {
    r.error(ptr,
            "expected an object (algorithm, check_interval, cooldown, window, "
            "stabilization, scale_up, scale_down, factor, target), got " +
                Reader::show(v));
    return;
  }
  r.only_keys(v, ptr,
              {"enabled", "algorithm", "check_interval", "cooldown", "window", "stabilization",
               "scale_up", "scale_down", "factor", "target"});
  a.enabled = true;
  if (v.contains("enabled")) {
    if (v["enabled"].is_boolean()) {
      a.enabled = v["enabled"].get<bool>();
    } else {
      r.error(ptr + "/enabled", "expected true or false, got " + Reader::show(v["enabled"]));
    }
  }
  if (v.contains("algorithm")) {
    a.algorithm = r.string(v["algorithm"], ptr + "/algorithm", "an algorithm name");
    if (a.algorithm != "linear" && a.algorithm != "exponential" && a.algorithm != "predictive" &&
        a.algorithm != "target_tracking") {
      r.error(ptr + "/algorithm", "unknown algorithm \"" + a.algorithm +
                                      "\" (accepted: linear, exponential, predictive, "
                                      "target_tracking)");
    }
  }
  const std::pair<const char*, std::int64_t*> durations[] = {
      {"check_interval", &a.check_interval_ns},
      {"cooldown", &a.cooldown_ns},
      {"window", &a.window_ns},
      {"stabilization", &a.stabilization_ns}};
  for (const auto& [key, field] : durations) {
    if (!v.contains(key)) continue;
    const auto d = r.duration(v[key], ptr + "/" + key);
    if (d > 0) *field = d;
    if (d <= 0 && v[key].is_string()) r.error(ptr + "/" + key, "must be greater than 0");
  }
  if (v.contains("scale_up")) read_thresholds(r, v["scale_up"], ptr + "/scale_up", a, true);
  if (v.contains("scale_down")) read_thresholds(r, v["scale_down"], ptr + "/scale_down", a, false);
  if (v.contains("factor")) a.factor = number_in(r, v["factor"], ptr + "/factor", 1.5, 2, a.factor);
  if (v.contains("target")) {
    const auto& t = v["target"];
    if (!t.is_object()) {
      r.error(ptr + "/target",
              "expected {\"metric\": \"cpu\"|\"rps\", \"value\": N}, got " + Reader::show(t));
    } else {
      r.only_keys(t, ptr + "/target", {"metric", "value"});
      if (t.contains("metric")) {
        a.target_metric = r.string(t["metric"], ptr + "/target/metric", "cpu or rps");
        if (a.target_metric != "cpu" && a.target_metric != "rps") {
          r.error(ptr + "/target/metric",
                  "unknown metric \"" + a.target_metric + "\" (accepted: cpu, rps)");
        }
      }
      if (t.contains("value")) {
        a.target_value =
            number_in(r, t["value"], ptr + "/target/value", 0.001, 1e9, a.target_value);
      }
    }
  }
}

void read_stack(Reader& r, const json& v, StackPlan& stack) {
  if (!v.is_object()) {
    r.error("/stack",
            "expected an object {\"replicas\", \"fpm_children\"}, got " + Reader::show(v));
    return;
  }
  r.only_keys(v, "/stack", {"replicas", "fpm_children", "autoscaler"});
  if (v.contains("autoscaler")) read_autoscaler(r, v["autoscaler"], stack.autoscaler);
  if (v.contains("replicas")) {
    const auto& rep = v["replicas"];
    if (!rep.is_object()) {
      r.error("/stack/replicas", "expected {\"min\": N, \"max\": N}, got " + Reader::show(rep));
    } else {
      r.only_keys(rep, "/stack/replicas", {"min", "max"});
      if (rep.contains("min")) {
        stack.min_replicas =
            static_cast<std::uint32_t>(r.integer(rep["min"], "/stack/replicas/min", 1, 50));
      }
      if (rep.contains("max")) {
        stack.max_replicas =
            static_cast<std::uint32_t>(r.integer(rep["max"], "/stack/replicas/max", 1, 50));
      }
      if (stack.min_replicas > stack.max_replicas) {
        r.error("/stack/replicas", "min (" + std::to_string(stack.min_replicas) +
                                       ") must not exceed max (" +
                                       std::to_string(stack.max_replicas) + ")");
      }
    }
  }
  if (v.contains("fpm_children")) {
    stack.fpm_children =
        static_cast<std::uint32_t>(r.integer(v["fpm_children"], "/stack/fpm_children", 1, 64));
  }
}

RequestSpec read_request(Reader& r, const json& v, const std::string& ptr) {
  RequestSpec spec;
  if (!v.is_object()) {
    r.error(ptr,
            "expected an object {\"method\", \"path\", \"headers\", \"body\", \"weight\"}, got " +
                Reader::show(v));
    return spec;
  }
  r.only_keys(v, ptr, {"method", "path", "headers", "body", "weight"});
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
  if (v.contains("headers")) {
    const auto& h = v["headers"];
    if (!h.is_object()) {
      r.error(ptr + "/headers",
              "expected an object of header name -> string value, got " + Reader::show(h));
    } else {
      for (const auto& [k, val] : h.items()) {
        spec.headers.emplace_back(k, r.string(val, ptr + "/headers/" + k, "a header value"));
      }
    }
  }
  return spec;
}

void read_steps(Reader& r, const json& v, double rate_per_user, RunPlan& plan) {
  if (!v.is_array() || v.empty()) {
    r.error("/steps",
            "expected a non-empty array of {\"users\", \"duration\"}, got " + Reader::show(v));
    return;
  }
  double previous = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto ptr = "/steps/" + std::to_string(i);
    const auto& s = v[i];
    if (!s.is_object()) {
      r.error(ptr, "expected an object {\"users\", \"duration\"}, got " + Reader::show(s));
      continue;
    }
    r.only_keys(s, ptr, {"users", "rate", "duration", "ramp", "warmup"});
    StepPlan step;
    if (s.contains("users") == s.contains("rate")) {
      r.error(ptr,
              "give exactly one of \"users\" (virtual users x rate_per_user) or \"rate\", "
              "got " +
                  Reader::show(s));
    }
    double rate = 0;
    if (s.contains("users")) {
      step.users = static_cast<std::uint32_t>(r.integer(s["users"], ptr + "/users", 0, 1'000'000));
      rate = step.users * rate_per_user;
      step.label = std::to_string(step.users) + " users";
    } else if (s.contains("rate")) {
      rate = r.rate(s["rate"], ptr + "/rate");
      step.label = std::to_string(static_cast<long long>(std::llround(rate))) + "/s";
    }
    if (s.contains("duration")) {
      const auto mark = r.mark();
      step.duration_ns = r.duration(s["duration"], ptr + "/duration");
      if (r.clean_since(mark) && step.duration_ns <= 0) {
        r.error(ptr + "/duration", "must be greater than 0, got " + Reader::show(s["duration"]));
      }
    } else {
      r.error(ptr + "/duration", "missing (a duration such as \"60s\")");
    }
    if (s.contains("warmup")) {
      if (s["warmup"].is_boolean()) {
        step.warmup = s["warmup"].get<bool>();
      } else {
        r.error(ptr + "/warmup", "expected true or false, got " + Reader::show(s["warmup"]));
      }
    }
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
}

}  // namespace

std::pair<std::string, std::string> strip_scope(const std::string& text) {
  for (const char* scope : {"run:", "steps:"}) {
    if (text.starts_with(scope)) {
      auto rest = text.substr(std::string_view(scope).size());
      rest.erase(0, rest.find_first_not_of(' '));
      return {std::string(scope, std::string_view(scope).size() - 1), rest};
    }
  }
  return {"", text};
}

namespace {

// The short form ({"p95": "1s", "error_rate": 0.05, "min_rps": 100, "replicas":
// "within_bounds"}) becomes expressions; "checks" adds expressions as written. Each is
// parsed here, at the edge, so a bad SLO stops the run before any load is sent.
void read_slo(Reader& r, const json& v, RunPlan& plan) {
  if (!v.is_object()) {
    r.error("/slo", "expected an object such as {\"p95\": \"1s\", \"error_rate\": 0.05}, got " +
                        Reader::show(v));
    return;
  }
  r.only_keys(v, "/slo",
              {"p50", "p90", "p95", "p99", "max", "error_rate", "min_rps", "replicas", "checks"});
  std::vector<std::pair<std::string, std::string>> exprs;  // (pointer, expression)
  for (const char* p : {"p50", "p90", "p95", "p99", "max"}) {
    if (!v.contains(p)) continue;
    const auto ptr = std::string("/slo/") + p;
    exprs.emplace_back(ptr,
                       std::string(p) + " < " + r.string(v[p], ptr, "a duration such as \"1s\""));
  }
  if (v.contains("error_rate")) {
    const auto& e = v["error_rate"];
    if (!e.is_number() || e.get<double>() < 0 || e.get<double>() > 1) {
      r.error("/slo/error_rate",
              "expected a fraction in [0, 1] such as 0.05, got " + Reader::show(e));
    } else {
      exprs.emplace_back("/slo/error_rate", "error_rate < " + Reader::show(e));
    }
  }
  if (v.contains("min_rps")) {
    const auto& m = v["min_rps"];
    if (!m.is_number() || m.get<double>() < 0) {
      r.error("/slo/min_rps", "expected a number of requests/s >= 0, got " + Reader::show(m));
    } else {
      // A throughput floor is about the run: a deliberately low step must not fail it.
      exprs.emplace_back("/slo/min_rps", "run: rps >= " + Reader::show(m));
    }
  }
  if (v.contains("replicas")) {
    if (v["replicas"] != "within_bounds") {
      r.error("/slo/replicas", "expected \"within_bounds\", got " + Reader::show(v["replicas"]));
    } else if (!plan.stack.enabled) {
      r.error("/slo/replicas", "\"within_bounds\" needs the embedded stack (no \"target\")");
    } else {
      exprs.emplace_back("/slo/replicas", "replicas within [" +
                                              std::to_string(plan.stack.min_replicas) + ", " +
                                              std::to_string(plan.stack.max_replicas) + "]");
    }
  }
  if (v.contains("checks")) {
    const auto& c = v["checks"];
    if (!c.is_array()) {
      r.error("/slo/checks", "expected an array of SLO expressions such as \"p(99) < 2s\", got " +
                                 Reader::show(c));
    } else {
      for (std::size_t i = 0; i < c.size(); ++i) {
        const auto ptr = "/slo/checks/" + std::to_string(i);
        exprs.emplace_back(ptr, r.string(c[i], ptr, "an SLO expression"));
      }
    }
  }
  for (const auto& [ptr, text] : exprs) {
    if (auto slo = validators::parse_slo(strip_scope(text).second); !slo) {
      r.error(ptr, slo.error());
    } else {
      plan.slos.push_back(text);
    }
  }
}

void read_plan(Reader& r, const json& doc, RunPlan& plan) {
  r.only_keys(doc, "",
              {"schema_version", "name", "target", "stack", "requests", "arrival", "rate_per_user",
               "steps", "timeout", "connections", "threads", "seed", "slo"});
  if (!doc.contains("schema_version")) {
    r.error("/schema_version", "missing (this loadgen reads schema_version 1)");
  } else if (!doc["schema_version"].is_number_integer() || doc["schema_version"] != 1) {
    r.error("/schema_version", "unsupported value " + Reader::show(doc["schema_version"]) +
                                   " (this loadgen reads schema_version 1)");
  }
  if (doc.contains("name")) plan.name = r.string(doc["name"], "/name", "the scenario's name");
  if (doc.contains("target")) {
    read_target(r, doc["target"], plan);
    if (doc.contains("stack")) {
      r.error("/stack",
              "\"target\" and \"stack\" exclude each other: a scenario runs against "
              "its target URL, or (without one) against the embedded stack");
    }
  } else {
    plan.stack.enabled = true;
    if (doc.contains("stack")) read_stack(r, doc["stack"], plan.stack);
  }
  if (doc.contains("requests")) {
    const auto& reqs = doc["requests"];
    if (!reqs.is_array() || reqs.empty()) {
      r.error("/requests", "expected a non-empty array of requests, got " + Reader::show(reqs));
    } else {
      plan.requests.clear();
      for (std::size_t i = 0; i < reqs.size(); ++i) {
        plan.requests.push_back(read_request(r, reqs[i], "/requests/" + std::to_string(i)));
      }
    }
  }
  if (doc.contains("arrival")) {
    const auto mark = r.mark();
    const auto a = r.string(doc["arrival"], "/arrival", "\"constant\" or \"poisson\"");
    if (r.clean_since(mark) && a == "poisson") {
      plan.arrival = Arrival::kPoisson;
    } else if (r.clean_since(mark) && a != "constant") {
      r.error("/arrival", "unknown arrival \"" + a + "\" (accepted: \"constant\", \"poisson\")");
    }
  }
  double per_user = 1.0;
  if (doc.contains("rate_per_user")) per_user = r.rate(doc["rate_per_user"], "/rate_per_user");
  if (doc.contains("steps")) {
    read_steps(r, doc["steps"], per_user, plan);
  } else {
    r.error("/steps", "missing: a non-empty array of {\"users\", \"duration\"}");
  }
  if (doc.contains("timeout")) {
    const auto mark = r.mark();
    plan.timeout_ns = r.duration(doc["timeout"], "/timeout");
    if (r.clean_since(mark) && (plan.timeout_ns <= 0 || plan.timeout_ns > 100'000'000'000)) {
      r.error("/timeout", "must be in (0, 100s], got " + Reader::show(doc["timeout"]));
    }
  }
  if (doc.contains("connections")) {
    plan.connections =
        static_cast<std::uint32_t>(r.integer(doc["connections"], "/connections", 1, 100'000));
  }
  if (doc.contains("threads")) {
    plan.threads = static_cast<std::uint32_t>(r.integer(doc["threads"], "/threads", 1, 256));
  }
  if (doc.contains("seed")) plan.seed = r.integer(doc["seed"], "/seed", 0, UINT64_MAX);
  if (doc.contains("slo")) read_slo(r, doc["slo"], plan);
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
      found.push_back({ptr + "/" + k, "duplicate key \"" + k + "\" (each key may appear once)"});
    }
    f.key = k;
  }
  std::vector<Frame> frames_;
};

std::expected<RunPlan, LoadErrors> parse_scenario(std::string_view text, std::string_view file) {
  LoadErrors errs{std::string(file), {}};
  json doc;
  DuplicateKeys dups;
  try {
    doc = json::parse(text, [&dups](int, json::parse_event_t e, json& parsed) {
      return dups.on_event(e, parsed);
    });
  } catch (const json::parse_error& e) {
    // e.what() carries the line and column of the first syntax error.
    errs.errors.push_back({"", std::string("not valid JSON: ") + e.what()});
    return std::unexpected(errs);
  }
  if (!doc.is_object()) {
    errs.errors.push_back({"", "expected a JSON object at the top level"});
    return std::unexpected(errs);
  }
  Reader r;
  r.errors = std::move(dups.found);
  RunPlan plan;
  read_plan(r, doc, plan);
  if (!r.errors.empty()) {
    errs.errors = std::move(r.errors);
    return std::unexpected(errs);
  }
  return plan;
}

std::expected<RunPlan, LoadErrors> load_scenario(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return std::unexpected(LoadErrors{path.string(), {{"", "cannot open the file"}}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path.string());
}

}  // namespace lg::scenarios
