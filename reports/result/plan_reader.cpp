#include "reports/result/plan_reader.h"

#include "loadgen/core/url.h"
#include "reports/result/json_fields.h"

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

StepPlan read_step(JsonWalker& w, const JsonNode& n) {
  using S = StepPlan;
  static constexpr Field<S> kFields[] = {{"label", &S::label},
                                         {"users", &S::users},
                                         {"start_rate", &S::start_rate},
                                         {"end_rate", &S::end_rate},
                                         {"duration_s", seconds(&S::duration_ns)},
                                         {"warmup", &S::warmup}};
  S s;
  read_fields(w, n, s, kFields);
  return s;
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

AutoscalerPlan read_autoscaler(JsonWalker& w, const JsonNode& n) {
  using A = AutoscalerPlan;
  static constexpr Field<A> kTiming[] = {{"enabled", &A::enabled},
                                         {"algorithm", &A::algorithm},
                                         {"check_interval_s", seconds(&A::check_interval_ns)},
                                         {"cooldown_s", seconds(&A::cooldown_ns)},
                                         {"window_s", seconds(&A::window_ns)},
                                         {"stabilization_s", seconds(&A::stabilization_ns)}};
  static constexpr Field<A> kUp[] = {{"cpu", &A::scale_up_cpu},
                                     {"rps_per_replica", &A::scale_up_rps},
                                     {"response_ms", &A::scale_up_response_ms},
                                     {"error_rate", &A::scale_up_error_rate}};
  static constexpr Field<A> kDown[] = {{"cpu", &A::scale_down_cpu},
                                       {"rps_per_replica", &A::scale_down_rps},
                                       {"response_ms", &A::scale_down_response_ms}};
  static constexpr Field<A> kTarget[] = {{"metric", &A::target_metric},
                                         {"value", &A::target_value}};
  A a;  // each fallback is the default, so one bad knob leaves the rest as read
  read_fields(w, n, a, kTiming);
  read_fields(w, w.field(n, "scale_up"), a, kUp);
  read_fields(w, w.field(n, "scale_down"), a, kDown);
  a.factor = w.number(w.field(n, "factor"), a.factor);
  read_fields(w, w.field(n, "target"), a, kTarget);
  return a;
}

// Absent (written before the stack was recorded) or disabled: a URL target.
std::optional<StackSpec> read_stack(JsonWalker& w, const JsonNode& n) {
  using S = StackSpec;
  static constexpr Field<S> kFields[] = {{"min_replicas", &S::min_replicas},
                                         {"max_replicas", &S::max_replicas},
                                         {"fpm_children", &S::fpm_children}};
  S s;
  if (!w.present(n) || !w.boolean(w.field(n, "enabled"))) return std::nullopt;
  read_fields(w, n, s, kFields);
  s.autoscaler = read_autoscaler(w, w.field(n, "autoscaler"));
  return s;
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
  for (const auto& s : w.items(w.field(scenario, "steps"))) p.steps.push_back(read_step(w, s));
  p.requests.clear();
  for (const auto& r : w.items(w.field(scenario, "requests"))) {
    p.requests.push_back(read_request(w, r));
  }
  rec.slos = read_slos(w, w.optional(scenario, "slo"));
  rec.stack = read_stack(w, w.optional(scenario, "stack"));
}

}  // namespace lg::reports
