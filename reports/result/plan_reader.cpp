#include "reports/result/plan_reader.h"

#include <algorithm>
#include <cmath>

#include "loadgen/core/url.h"
#include "reports/result/record_fields.h"

namespace lg::reports {
namespace {

void read_target(JsonWalker& w, const JsonNode& n, Target& target) {
  const auto text = w.text(n);
  if (!w.present(n) || !n.value->is_string()) return;  // already reported
  auto url = parse_url(text);
  if (!url) {
    w.expected(n, "a URL http://HOST[:PORT][/PATH]", url.error());
    return;
  }
  target = std::move(url->target);
  // As the scenario loader and the CLI do: the URL's path is the base path, "/" is none.
  if (url->path != "/") target.base_path = std::move(url->path);
}

RequestSpec read_request(JsonWalker& w, const JsonNode& n) {
  RequestSpec r;
  r.method = w.text(w.field(n, "method"), r.method);
  r.path = w.text(w.field(n, "path"), r.path);
  for (const auto& h : w.items(w.field(n, "headers"))) {
    const auto pair = w.items(h);
    if (pair.size() != 2) {
      w.expected(h, "a [name, value] pair of strings");  // unless items() reported it already
      continue;
    }
    r.headers.emplace_back(w.text(pair[0]), w.text(pair[1]));
  }
  r.body = w.text(w.field(n, "body"));
  r.weight = w.uint32(w.field(n, "weight"), r.weight);
  return r;
}

// The node at a knob's result.json name ("scale_up/cpu") below the autoscaler object `n`.
JsonNode knob_node(JsonWalker& w, JsonNode n, std::string_view record) {
  for (std::size_t at = 0; at <= record.size();) {
    const auto slash = std::min(record.find('/', at), record.size());
    n = w.field(n, record.substr(at, slash - at));
    at = slash + 1;
  }
  return n;
}

// Each fallback is the knob's value so far (its default), so one bad knob leaves the rest as
// read.
void read_autoscaler(JsonWalker& w, const JsonNode& n, StackSpec& s) {
  s.autoscaler_enabled = w.boolean(w.field(n, "enabled"), s.autoscaler_enabled);
  AutoscalerKnobs& k = s.autoscaler;
  for (const auto& knob : kKnobTable) {
    if (knob.record.empty()) continue;
    const auto node = knob_node(w, n, knob.record);
    if (knob.kind == KnobKind::kChoice) {
      const auto name = w.text(node, std::string(knob.choice(k)));
      if (knob.set_choice(k, name)) continue;
      std::string names;
      for (const auto& c : knob.choices)
        names += (names.empty() ? "\"" : ", \"") + std::string(c) + "\"";
      w.expected(node, "one of " + names);
    } else if (knob.kind == KnobKind::kSeconds) {
      const auto ns = w.seconds_ns(node, std::llround(*knob.number(k) * 1e9));
      knob.set_number(k, static_cast<double>(ns) / 1e9);
    } else {
      knob.set_number(k, w.number(node, *knob.number(k)));
    }
  }
}

// Absent (written before the stack was recorded) or disabled: a URL target.
std::optional<StackSpec> read_stack(JsonWalker& w, const JsonNode& n) {
  StackSpec s;
  if (!w.present(n) || !w.boolean(w.field(n, "enabled"))) return std::nullopt;
  read_fields(w, n, s, kStackFields);
  read_autoscaler(w, w.field(n, "autoscaler"), s);
  if (const auto t = w.optional(n, "tls"); w.present(t)) read_fields(w, t, s.tls, kStackTlsFields);
  if (const auto l = w.optional(n, "limits"); w.present(l)) {
    read_fields(w, l, s.limits, kStackLimitsFields);
  }
  return s;
}

// scenario.tls (absent in files of loadgens before HTTPS: the defaults).
void read_tls(JsonWalker& w, const JsonNode& n, TlsPlan& t) {
  if (!w.present(n)) return;
  const auto version = [&w](const JsonNode& v) {
    return static_cast<TlsVersion>(w.one_of(v, {"any", "1.0", "1.1", "1.2", "1.3"}));
  };
  t.server_name = w.text(w.field(n, "server_name"));
  t.insecure = w.boolean(w.field(n, "insecure"));
  t.ca_file = w.text(w.field(n, "ca_file"));
  t.cert_file = w.text(w.field(n, "cert"));
  t.key_file = w.text(w.field(n, "key"));
  t.min_version = version(w.field(n, "min_version"));
  t.max_version = version(w.field(n, "max_version"));
  t.resume = w.boolean(w.field(n, "resume"), true);
}

// The knobs of the run as a whole (not its steps, requests or stack).
void read_settings(JsonWalker& w, const JsonNode& n, RunPlan& p) {
  p.name = w.text(w.field(n, "name"), p.name);
  read_target(w, w.field(n, "target"), p.target);
  p.mode =
      w.one_of(w.field(n, "mode"), {"open", "closed"}) == 0 ? LoopMode::kOpen : LoopMode::kClosed;
  p.arrival = w.one_of(w.field(n, "arrival"), {"constant", "poisson"}) == 0 ? Arrival::kConstant
                                                                            : Arrival::kPoisson;
  p.timeout_ns = w.seconds_ns(w.field(n, "timeout_s"), p.timeout_ns);
  p.connections = w.uint32(w.field(n, "connections"));
  p.preconnect = w.boolean(w.optional(n, "preconnect"));
  p.keepalive = w.boolean(w.optional(n, "keepalive"), true);
  read_tls(w, w.optional(n, "tls"), p.tls);
  p.threads = w.uint32(w.field(n, "threads"));
  p.seed = w.uint(w.field(n, "seed"), UINT64_MAX, p.seed);
  p.late_threshold_ns = w.seconds_ns(w.field(n, "late_threshold_s"), p.late_threshold_ns);
  p.max_dispatch_lag_ns = w.seconds_ns(w.optional(n, "max_dispatch_lag_s"), p.max_dispatch_lag_ns);
  const auto shard = w.field(n, "shard");
  p.shard_index = w.uint32(w.field(shard, "index"));
  p.shard_count = w.uint32(w.field(shard, "count"), p.shard_count);
}

std::vector<validators::Slo> read_slos(JsonWalker& w, const JsonNode& list) {
  std::vector<validators::Slo> out;
  for (const auto& n : w.items(list)) {
    auto slo = validators::parse_slo(w.text(n));
    if (slo)
      out.push_back(std::move(*slo));
    else
      w.error(n.ptr, slo.error());
  }
  return out;
}

}  // namespace

void read_scenario(JsonWalker& w, const JsonNode& scenario, RunRecord& rec) {
  RunPlan& p = rec.result.plan;
  read_settings(w, scenario, p);
  for (const auto& s : w.items(w.field(scenario, "steps"))) {
    p.steps.push_back(read_record(w, s, kStepPlanFields));
  }
  p.requests.clear();
  for (const auto& r : w.items(w.field(scenario, "requests"))) {
    p.requests.push_back(read_request(w, r));
  }
  rec.slos = read_slos(w, w.optional(scenario, "slo"));
  rec.stack = read_stack(w, w.optional(scenario, "stack"));
}

}  // namespace lg::reports
