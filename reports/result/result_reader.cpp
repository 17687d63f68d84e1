#include "reports/result/result_reader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <utility>

#include "loadgen/version.h"
#include "reports/result/json_walker.h"
#include "reports/result/plan_reader.h"
#include "reports/result/record_fields.h"
#include "reports/result/stack_events.h"

namespace lg::reports {
namespace {

using nlohmann::json;

// result.json stores sizes in MB (KB / 1024, exact in a double): back to whole KB.
std::int64_t kb_from_mb(double mb) {
  return std::llround(mb * 1024.0);
}

// "tls" and "http_429" came with HTTPS: files of earlier loadgens lack them (0 then; their
// 429s are in http_4xx).
bool newer_error_kind(ErrorKind k) {
  return k == ErrorKind::kTls || k == ErrorKind::kHttp429;
}

void read_errors(JsonWalker& w, const JsonNode& n, Counters& c) {
  const auto errors = w.field(n, "errors");
  for (std::size_t i = 0; i < kErrorKinds; ++i) {
    const auto k = static_cast<ErrorKind>(i);
    const auto name = error_kind_name(k);
    c.errors[i] = w.uint(newer_error_kind(k) ? w.optional(errors, name) : w.field(errors, name));
  }
}

void read_histogram(JsonWalker& w, const JsonNode& n, Histogram& into) {
  if (auto h = w.histogram(n)) into = std::move(*h);
}

// Connection counts and histograms that came with HTTPS: absent (0, empty) in earlier files.
void read_connects(JsonWalker& w, const JsonNode& n, const JsonNode& h, StepAccum& a) {
  a.counters.handshakes = w.uint(w.optional(n, "handshakes"));
  a.counters.resumed = w.uint(w.optional(n, "resumed"));
  read_histogram(w, w.optional(h, "connect"), a.connect);
  read_histogram(w, w.optional(h, "handshake"), a.handshake);
}

// A step's or the summary's counters and histograms (the percentiles are derived from these).
StepAccum read_accum(JsonWalker& w, const JsonNode& n) {
  StepAccum a;
  read_fields(w, n, a.counters, kPerSecondCounters);
  read_fields(w, n, a.counters, kStepOnlyCounters);
  read_errors(w, n, a.counters);
  const auto h = w.field(n, "histograms");
  w.one_of(w.field(h, "unit"), {"us"});
  read_histogram(w, w.field(h, "latency"), a.latency);
  read_histogram(w, w.field(h, "service"), a.service);
  read_histogram(w, w.field(h, "lag"), a.lag);
  read_connects(w, n, h, a);
  return a;
}

ReplicaSummary read_replicas(JsonWalker& w, const JsonNode& n) {
  ReplicaSummary r;  // null: no reading during the step; absent: not recorded then
  if (w.is_null(n) || !w.present(n)) return r;
  r.min = w.count_or_null(w.field(n, "min"));
  r.max = w.count_or_null(w.field(n, "max"));
  r.mean = w.number(w.field(n, "mean"), -1);
  return r;
}

// `plan`: the matching /scenario/steps entry (rates, duration), or null when there is none.
StepResult read_step(JsonWalker& w, const JsonNode& n, const StepPlan* plan) {
  StepResult s;
  if (plan) s.plan = *plan;
  s.plan.label = w.text(w.field(n, "label"));
  s.plan.users = w.uint32(w.field(n, "users"));
  s.plan.warmup = w.boolean(w.field(n, "warmup"));
  s.start_ns = w.seconds_ns(w.field(n, "start_s"));
  s.end_ns = w.seconds_ns(w.field(n, "end_s"));
  s.data = read_accum(w, n);
  s.target_rate = w.number(w.field(n, "target_rate"));
  s.achieved_rate = w.number(w.field(n, "achieved_rate"));
  // Results before ok_rate existed: the same figure from the counters.
  const double secs = static_cast<double>(s.end_ns - s.start_ns) / 1e9;
  const double ok = secs > 0 ? static_cast<double>(s.data.counters.completed) / secs : 0;
  s.ok_rate = w.number(w.optional(n, "ok_rate"), ok);
  s.replicas = read_replicas(w, w.optional(n, "replicas"));
  return s;
}

std::vector<StepResult> read_steps(JsonWalker& w, const JsonNode& n, const RunPlan& plan) {
  const auto nodes = w.items(n);
  if (w.present(n) && n.value->is_array() && nodes.size() != plan.steps.size()) {
    w.expected(n,
               "one entry per /scenario/steps entry (" + std::to_string(plan.steps.size()) + ")");
  }
  std::vector<StepResult> out;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    out.push_back(read_step(w, nodes[i], i < plan.steps.size() ? &plan.steps[i] : nullptr));
  }
  return out;
}

// The names of the figures that are lower bounds (absent in older results: none).
std::uint8_t read_at_least(JsonWalker& w, const JsonNode& n) {
  std::uint8_t bits = 0;
  if (!w.present(n)) return bits;
  for (const auto& item : w.items(n)) {
    const auto i = w.one_of(item, {"p50", "p90", "p95", "p99", "p99_9", "max"}, 99);
    if (i == 99) continue;  // reported by one_of
    bits |= static_cast<std::uint8_t>(1U << i);
  }
  return bits;
}

TimelinePoint read_point(JsonWalker& w, const JsonNode& n) {
  TimelinePoint t;
  t.second = w.integer(w.field(n, "t"));
  read_fields(w, n, t.counters, kPerSecondCounters);
  read_errors(w, n, t.counters);
  t.latency.p50 = w.number(w.field(n, "p50_ms"));
  t.latency.p95 = w.number(w.field(n, "p95_ms"));
  t.latency.p99 = w.number(w.field(n, "p99_ms"));
  t.latency.lower_bounds = read_at_least(w, w.optional(n, "at_least"));
  t.cpu_percent = w.number(w.field(n, "cpu_percent"));
  t.max_lag_ms = w.number(w.field(n, "max_lag_ms"));
  t.open_connections = static_cast<std::int32_t>(w.uint(w.field(n, "connections"), INT32_MAX));
  t.rss_kb = kb_from_mb(w.number(w.optional(n, "rss_mb")));
  t.replicas = w.count_or_null(w.optional(n, "replicas"));
  t.healthy = w.count_or_null(w.optional(n, "healthy"));
  return t;
}

GeneratorStats read_generator(JsonWalker& w, const JsonNode& n, const Histogram& total_lag) {
  GeneratorStats g;
  g.threads = w.uint32(w.field(n, "threads"));
  g.cpu_seconds = w.number(w.field(n, "cpu_seconds"));
  g.cpu_us_per_request = w.number(w.field(n, "cpu_us_per_request"));
  g.peak_rss_kb = kb_from_mb(w.number(w.field(n, "peak_rss_mb")));
  g.saturated = w.boolean(w.field(n, "saturated"));
  g.saturation_reason = w.text(w.field(n, "saturation_reason"));
  g.clean_shutdown = w.boolean(w.field(n, "clean_shutdown"));
  g.elapsed_ns = w.seconds_ns(w.optional(n, "elapsed_s"));  // absent in older results: 0
  // Older files keep only lag percentiles; the run's lag is every step's lag (ResultBuilder).
  g.lag = total_lag;
  read_histogram(w, w.optional(n, "lag"), g.lag);
  return g;
}

StackEvent read_event(JsonWalker& w, const JsonNode& n) {
  constexpr auto kMax = static_cast<std::uint64_t>(INT32_MAX);
  StackEvent e;
  e.t_s = w.number(w.field(n, "t_s"));
  if (const auto own = w.optional(n, "own_s"); !w.is_null(own)) e.own_s = w.number(own, -1);
  e.time = w.text(w.field(n, "time"));
  e.type = w.text(w.field(n, "type"));
  e.from = static_cast<std::int32_t>(w.uint(w.field(n, "from"), kMax));
  e.to = static_cast<std::int32_t>(w.uint(w.field(n, "to"), kMax));
  e.reason = w.text(w.field(n, "reason"));
  for (const auto& [key, v] : w.members(w.field(n, "inputs"))) {
    e.inputs.emplace_back(key, w.number(v));
  }
  return e;
}

// The run's own fields: everything but the scenario and the per-step, per-second data.
void read_run(JsonWalker& w, const JsonNode& root, StoredResult& out) {
  auto& r = out.result;
  out.tool_version = w.text(w.field(w.field(root, "tool"), "version"));
  out.passed = w.boolean(w.field(root, "passed"));
  for (const auto& c : w.items(w.field(root, "checks"))) {
    out.checks.push_back(read_record(w, c, kCheckFields));
  }
  r.started_at = w.text(w.field(root, "started_at"));
  // Older files: the same instant from the label (to the millisecond).
  r.started_unix_ms =
      w.number(w.optional(root, "started_unix_ms"), parse_iso_utc_ms(r.started_at).value_or(0));
  r.duration_ns = w.seconds_ns(w.field(root, "duration_s"));
  r.interrupted = w.boolean(w.field(root, "interrupted"));
}

void read_measurements(JsonWalker& w, const JsonNode& root, RunRecord& rec) {
  RunResult& r = rec.result;
  r.total = read_accum(w, w.field(root, "summary"));
  r.steps = read_steps(w, w.field(root, "steps"), r.plan);
  for (const auto& t : w.items(w.field(root, "timeline"))) r.timeline.push_back(read_point(w, t));
  r.generator = read_generator(w, w.field(root, "generator"), r.total.lag);
  for (const auto& e : w.items(w.field(root, "stack_events"))) {
    rec.observed.events.push_back(read_event(w, e));
  }
  for (const auto& l : w.items(w.optional(root, "replica_load"))) {
    rec.observed.replica_load.push_back(read_record(w, l, kReplicaLoadFields));
  }
  // Absent in results written before timed actions existed: none.
  for (const auto& a : w.items(w.optional(root, "actions"))) {
    r.actions.push_back(read_record(w, a, kActionFields));
    // Absent in results written before faults existed: not a fault.
    r.actions.back().fault = w.uint32(w.optional(a, "fault"));
  }
  r.tls_failure = w.text(w.optional(root, "tls_failure"));
}

// Whether this is a result.json this version reads at all: one line if not.
std::optional<std::string> not_readable(const json& doc, const std::string& source) {
  const auto not_ours = source + ": not a loadgen result";
  if (!doc.is_object() || !doc.contains("tool") || !doc.contains("scenario")) {
    return not_ours + " (expected a JSON object with \"tool\" and \"scenario\")";
  }
  const auto& tool = doc.at("tool");
  if (!tool.is_object() || tool.value("name", json()) != "loadgen") {
    return not_ours + " (expected \"tool\": {\"name\": \"loadgen\", ...}, found " +
           JsonWalker::show(tool) + ")";
  }
  const auto v = doc.find("schema_version");
  if (v == doc.end()) return source + ": no schema_version (this loadgen reads version 1)";
  if (*v != kResultSchemaVersion) {
    return source + ": schema_version " + JsonWalker::show(*v) +
           " is not supported (this loadgen reads version " + std::to_string(kResultSchemaVersion) +
           ")";
  }
  return std::nullopt;
}

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at ...".
std::string parse_message(const json::parse_error& e) {
  const std::string what = e.what();
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

}  // namespace

StoredResult stored_result(RunRecord rec, std::vector<Check> checks) {
  StoredResult out;
  static_cast<RunRecord&>(out) = std::move(rec);
  out.passed = !out.result.interrupted &&
               std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
  out.checks = std::move(checks);
  out.tool_version = kVersion;
  return out;
}

std::expected<StoredResult, std::string> result_from_json(const json& doc,
                                                          const std::string& source_name) {
  if (auto why = not_readable(doc, source_name)) return std::unexpected(*why);
  JsonWalker w(source_name);
  const auto root = JsonWalker::root(doc);
  StoredResult out;
  read_run(w, root, out);
  const auto scenario = w.field(root, "scenario");
  read_scenario(w, scenario, out);
  out.result.target_url = w.text(w.field(scenario, "target"));
  read_measurements(w, root, out);
  if (!w.ok()) return std::unexpected(w.report());
  return out;
}

std::expected<StoredResult, std::string> read_result(const std::filesystem::path& file) {
  std::error_code ec;
  const auto path = std::filesystem::is_directory(file, ec) ? file / "result.json" : file;
  if (!std::filesystem::exists(path, ec)) return std::unexpected(path.string() + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path.string() + ": cannot open the file for reading");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::unexpected(path.string() + ": cannot read the file");
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return std::unexpected(path.string() + ": not JSON (" + parse_message(e) + ")");
  }
  return result_from_json(doc, path.string());
}

}  // namespace lg::reports
