#include "reports/result/result_json.h"

#include "reports/result/atomic_file.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include "loadgen/core/url.h"
#include "loadgen/version.h"
#include "reports/result/record_fields.h"

namespace lg::reports {
namespace {

using nlohmann::json;

// /actions: the table's fields, and "fault" (read as optional: results before faults lack it).
json actions_json(const std::vector<ActionEvent>& actions) {
  json out = records_json(actions, kActionFields);
  for (std::size_t i = 0; i < actions.size(); ++i) out[i]["fault"] = actions[i].fault;
  return out;
}

double seconds(std::int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

// The figures that are lower bounds (they fall among timed-out requests), by name.
json at_least_json(const LatencySummary& s) {
  json out = json::array();
  for (std::size_t i = 0; i < kLatencyStatNames.size(); ++i)
    if (s.at_least(static_cast<LatencyStat>(i))) out.push_back(kLatencyStatNames[i]);
  return out;
}

// Lag has no timeouts, so no lower bounds: latency and service add "at_least".
json lag_json(const LatencySummary& s) {
  return {{"p50", s.p50}, {"p90", s.p90}, {"p95", s.p95},   {"p99", s.p99},    {"p99_9", s.p999},
          {"max", s.max}, {"min", s.min}, {"mean", s.mean}, {"count", s.count}};
}

json latency_json(const LatencySummary& s) {
  auto j = lag_json(s);
  j["at_least"] = at_least_json(s);
  return j;
}

json errors_json(const Counters& c) {
  json e = json::object();
  for (std::size_t i = 0; i < kErrorKinds; ++i) {
    e[std::string(error_kind_name(static_cast<ErrorKind>(i)))] = c.errors[i];
  }
  return e;
}

json counters_json(const Counters& c) {
  // "requests" is what DESIGN.md section 7 calls the arrivals that came due (= scheduled).
  json j = {{"requests", c.scheduled},
            {"failed", c.failed()},
            {"errors", errors_json(c)},
            {"error_rate", c.error_rate()}};
  write_fields(j, c, kPerSecondCounters);
  write_fields(j, c, kStepOnlyCounters);
  write_fields(j, c, kTlsCounters);
  return j;
}

// Whether the autoscaler ran, and every knob under its result.json name (KnobSpec::record).
json autoscaler_json(const StackSpec& s) {
  json out = {{"enabled", s.autoscaler_enabled}};
  for (const auto& knob : kKnobTable) {
    if (knob.record.empty()) continue;
    const json::json_pointer at("/" + std::string(knob.record));
    if (knob.kind == KnobKind::kChoice) {
      out[at] = std::string(knob.choice(s.autoscaler));
    } else {
      out[at] = *knob.number(s.autoscaler);  // seconds, ms or the number itself
    }
  }
  return out;
}

// As written, "run: "/"steps: " scope prefixes included.
json slos_json(const std::vector<validators::Slo>& slos) {
  json out = json::array();
  for (const auto& s : slos) out.push_back(validators::slo_source(s));
  return out;
}

// A URL target is written as a disabled stack with the defaults, as it always was.
json stack_json(const std::optional<StackSpec>& spec) {
  const StackSpec s = spec.value_or(StackSpec{});
  json j = {{"enabled", spec.has_value()}, {"autoscaler", autoscaler_json(s)}};
  write_fields(j, s, kStackFields);
  write_fields(j["tls"], s.tls, kStackTlsFields);
  write_fields(j["limits"], s.limits, kStackLimitsFields);
  return j;
}

// The TLS options as a scenario spells them (defaults too: "" for no file, "any" version).
json tls_json(const TlsPlan& t) {
  return {{"server_name", t.server_name},
          {"insecure", t.insecure},
          {"ca_file", t.ca_file},
          {"cert", t.cert_file},
          {"key", t.key_file},
          {"min_version", tls_version_name(t.min_version)},
          {"max_version", tls_version_name(t.max_version)},
          {"resume", t.resume}};
}

json histograms_json(const StepAccum& a) {
  return {{"unit", "us"},
          {"latency", a.latency.encode()},
          {"service", a.service.encode()},
          {"lag", a.lag.encode()},
          {"connect", a.connect.encode()},
          {"handshake", a.handshake.encode()}};
}

json step_json(std::size_t i, const StepResult& s, std::int64_t timeout_ns) {
  auto j = counters_json(s.data.counters);
  j["index"] = i;
  j["label"] = s.plan.label;
  j["users"] = s.plan.users;
  j["warmup"] = s.plan.warmup;
  j["start_s"] = seconds(s.start_ns);
  j["end_s"] = seconds(s.end_ns);
  j["target_rate"] = s.target_rate;
  j["achieved_rate"] = s.achieved_rate;
  j["ok_rate"] = s.ok_rate;
  j["latency_ms"] = latency_json(summarize_latency(s.data.latency, s.data.counters, timeout_ns));
  j["service_ms"] = latency_json(summarize_latency(s.data.service, s.data.counters, timeout_ns));
  j["lag_ms"] = lag_json(summarize(s.data.lag));
  j["connect_ms"] = lag_json(summarize(s.data.connect));
  j["handshake_ms"] = lag_json(summarize(s.data.handshake));
  j["histograms"] = histograms_json(s.data);
  j["replicas"] =
      s.replicas.min < 0
          ? json(nullptr)
          : json{{"min", s.replicas.min}, {"max", s.replicas.max}, {"mean", s.replicas.mean}};
  return j;
}

json timeline_json(const TimelinePoint& t) {
  json j = {{"t", t.second},
            {"failed", t.counters.failed()},
            {"errors", errors_json(t.counters)},
            {"p50_ms", t.latency.p50},
            {"p95_ms", t.latency.p95},
            {"p99_ms", t.latency.p99},
            {"at_least", at_least_json(t.latency)},
            {"cpu_percent", t.cpu_percent},
            {"max_lag_ms", t.max_lag_ms},
            {"connections", t.open_connections},
            {"rss_mb", static_cast<double>(t.rss_kb) / 1024.0},
            {"replicas", t.replicas < 0 ? json(nullptr) : json(t.replicas)},
            {"healthy", t.healthy < 0 ? json(nullptr) : json(t.healthy)}};
  write_fields(j, t.counters, kPerSecondCounters);
  return j;
}

json events_json(const std::vector<StackEvent>& events) {
  json out = json::array();
  for (const auto& e : events) {
    json inputs = json::object();
    for (const auto& [k, v] : e.inputs) inputs[k] = v;
    out.push_back({{"t_s", e.t_s},
                   {"own_s", e.own_s < 0 ? json(nullptr) : json(e.own_s)},
                   {"time", e.time},
                   {"type", e.type},
                   {"from", e.from},
                   {"to", e.to},
                   {"reason", e.reason},
                   {"inputs", inputs}});
  }
  return out;
}

json generator_json(const GeneratorStats& g) {
  return {{"threads", g.threads},
          {"elapsed_s", seconds(g.elapsed_ns)},
          {"cpu_seconds", g.cpu_seconds},
          {"cpu_us_per_request", g.cpu_us_per_request},
          {"peak_rss_mb", static_cast<double>(g.peak_rss_kb) / 1024.0},
          {"lag_ms", lag_json(summarize(g.lag))},
          {"lag", g.lag.encode()},  // us, so that readers can re-judge the schedule lag
          {"saturated", g.saturated},
          {"saturation_reason", g.saturation_reason},
          {"clean_shutdown", g.clean_shutdown}};
}

}  // namespace

json scenario_json(const RunPlan& p, const std::optional<StackSpec>& stack,
                   const std::vector<validators::Slo>& slos) {
  const json steps = records_json(p.steps, kStepPlanFields);
  json requests = json::array();
  for (const auto& r : p.requests) {
    json headers = json::array();
    for (const auto& [k, v] : r.headers) headers.push_back({k, v});
    requests.push_back({{"method", r.method},
                        {"path", r.path},
                        {"headers", headers},
                        {"body", r.body},
                        {"weight", r.weight}});
  }
  return {{"name", p.name},
          {"target", format_url(p.target)},
          {"mode", p.mode == LoopMode::kOpen ? "open" : "closed"},
          {"arrival", p.arrival == Arrival::kPoisson ? "poisson" : "constant"},
          {"steps", steps},
          {"requests", requests},
          {"timeout_s", seconds(p.timeout_ns)},
          {"connections", p.connections},
          {"preconnect", p.preconnect},
          {"keepalive", p.keepalive},
          {"tls", tls_json(p.tls)},
          {"threads", p.threads},
          {"seed", p.seed},
          {"late_threshold_s", seconds(p.late_threshold_ns)},
          {"max_dispatch_lag_s", seconds(p.max_dispatch_lag_ns)},
          {"shard", {{"index", p.shard_index}, {"count", p.shard_count}}},
          {"slo", slos_json(slos)},
          {"stack", stack_json(stack)}};
}

json to_json(const RunRecord& rec, const std::vector<Check>& checks) {
  const RunResult& r = rec.result;
  json steps = json::array();
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    steps.push_back(step_json(i, r.steps[i], r.plan.timeout_ns));
  json timeline = json::array();
  for (const auto& t : r.timeline) timeline.push_back(timeline_json(t));
  bool passed = !r.interrupted;
  for (const auto& c : checks) passed = passed && c.passed;
  const double secs = seconds(r.duration_ns);
  auto summary = counters_json(r.total.counters);
  const auto& c = r.total.counters;
  const auto timeout = r.plan.timeout_ns;
  summary["latency_ms"] = latency_json(summarize_latency(r.total.latency, c, timeout));
  summary["service_ms"] = latency_json(summarize_latency(r.total.service, c, timeout));
  summary["target_rate"] = mean_target_rate(r.steps);
  summary["achieved_rate"] = secs > 0 ? static_cast<double>(c.sent) / secs : 0.0;
  summary["ok_rate"] = secs > 0 ? static_cast<double>(c.completed) / secs : 0.0;
  summary["connect_ms"] = lag_json(summarize(r.total.connect));
  summary["handshake_ms"] = lag_json(summarize(r.total.handshake));
  summary["histograms"] = histograms_json(r.total);
  return {{"schema_version", kResultSchemaVersion},
          {"tool", {{"name", "loadgen"}, {"version", kVersion}}},
          {"scenario", scenario_json(r.plan, rec.stack, rec.slos)},
          {"started_at", r.started_at},
          {"started_unix_ms", r.started_unix_ms},
          {"duration_s", secs},
          {"interrupted", r.interrupted},
          {"passed", passed},
          {"checks", records_json(checks, kCheckFields)},
          {"summary", summary},
          {"steps", steps},
          {"timeline", timeline},
          {"generator", generator_json(r.generator)},
          {"stack_events", events_json(rec.observed.events)},
          {"replica_load", records_json(rec.observed.replica_load, kReplicaLoadFields)},
          {"actions", actions_json(r.actions)},
          {"tls_failure", r.tls_failure}};
}

std::expected<std::filesystem::path, std::string> write_result_file(
    const json& doc, const std::filesystem::path& file) {
  return write_atomically(doc.dump(1) + "\n", file);
}

std::expected<std::filesystem::path, std::string> write_result(const json& doc,
                                                               const std::filesystem::path& dir) {
  return write_result_file(doc, dir / "result.json");
}

}  // namespace lg::reports
