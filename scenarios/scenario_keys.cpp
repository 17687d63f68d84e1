#include "scenarios/scenario_keys.h"

#include <algorithm>

#include "stack/model/autoscaler_knobs.h"

namespace lg::scenarios {
namespace {

using enum JsonType;

// "/stack/autoscaler" and its keys, from the knob table (stack/model/autoscaler_knobs.h): a
// group such as "scale_up" just before its first knob.
std::vector<KeySpec> autoscaler_keys() {
  const std::string base = "/stack/autoscaler";
  std::vector<KeySpec> out{{base, kObject, {}}, {base + "/enabled", kBoolean, {}}};
  for (const auto& knob : kKnobTable) {
    if (knob.key.empty()) continue;
    const auto path = base + "/" + std::string(knob.key);
    const auto group = path.substr(0, path.rfind('/'));
    if (std::ranges::none_of(out, [&group](const KeySpec& k) { return k.path == group; })) {
      out.push_back({group, kObject, {}});
    }
    out.push_back({path,
                   knob.kind == KnobKind::kNumber ? kNumber : kString,
                   {knob.choices.begin(), knob.choices.end()}});
  }
  return out;
}

// Meanings, units and ranges are documented in scenarios/schema.json (and README.md); this
// table holds what the parser needs to be strict: names, JSON types and enumerations.
std::vector<KeySpec> build_table() {
  std::vector<KeySpec> table = {
      {"/schema_version", kInteger, {"1"}},
      {"/name", kString, {}},
      {"/target", kString, {}},
      {"/stack", kObject, {}},
      {"/stack/replicas", kObject, {}},
      {"/stack/replicas/min", kInteger, {}},
      {"/stack/replicas/max", kInteger, {}},
      {"/stack/fpm_children", kInteger, {}},
      {"/stack/tls", kObject, {}},
      {"/stack/tls/enabled", kBoolean, {}},
      {"/stack/tls/redirect", kBoolean, {}},
      {"/stack/limits", kObject, {}},
      {"/stack/limits/enabled", kBoolean, {}},
      {"/stack/limits/rate", kInteger, {}},
      {"/stack/limits/burst", kInteger, {}},
      {"/stack/limits/ceiling", kInteger, {}},
      {"/stack/limits/connections", kInteger, {}},
      {"/requests", kArray, {}},
      {"/requests/*", kObject, {}},
      {"/requests/*/method", kString, {}},
      {"/requests/*/path", kString, {}},
      {"/requests/*/headers", kObject, {}},
      {"/requests/*/headers/*", kString, {}},
      {"/requests/*/body", kString, {}},
      {"/requests/*/weight", kInteger, {}},
      {"/arrival", kString, {"constant", "poisson"}},
      {"/rate_per_user", kString, {}},
      {"/steps", kArray, {}},
      {"/steps/*", kObject, {}},
      {"/steps/*/users", kInteger, {}},
      {"/steps/*/rate", kString, {}},
      {"/steps/*/duration", kString, {}},
      {"/steps/*/ramp", kString, {}},
      {"/steps/*/warmup", kBoolean, {}},
      {"/timeout", kString, {}},
      {"/keepalive", kBoolean, {}},
      {"/tls", kObject, {}},
      {"/tls/server_name", kString, {}},
      {"/tls/insecure", kBoolean, {}},
      {"/tls/ca_file", kString, {}},
      {"/tls/cert", kString, {}},
      {"/tls/key", kString, {}},
      {"/tls/min_version", kString, {"1.0", "1.1", "1.2", "1.3"}},
      {"/tls/max_version", kString, {"1.0", "1.1", "1.2", "1.3"}},
      {"/tls/resume", kBoolean, {}},
      {"/connections", kInteger, {}},
      {"/threads", kInteger, {}},
      {"/seed", kInteger, {}},
      {"/slo", kObject, {}},
      {"/slo/p50", kString, {}},
      {"/slo/p90", kString, {}},
      {"/slo/p95", kString, {}},
      {"/slo/p99", kString, {}},
      {"/slo/max", kString, {}},
      {"/slo/error_rate", kNumber, {}},
      {"/slo/min_rps", kNumber, {}},
      {"/slo/replicas", kString, {"within_bounds"}},
      {"/slo/checks", kArray, {}},
      {"/slo/checks/*", kString, {}},
      {"/actions", kArray, {}},
      {"/actions/*", kObject, {}},
      {"/actions/*/at", kString, {}},
      {"/actions/*/kind", kString, {"noop"}},  // the kinds loadgen/actions/executor.h runs
      {"/actions/*/target", kString, {}},
      {"/faults", kArray, {}},
      {"/faults/*", kObject, {}},
      {"/faults/*/at", kString, {}},
      // The kinds loadgen/actions/ runs (a test keeps this list in step with action_kinds()).
      {"/faults/*/kind",
       kString,
       {"kill", "pause", "latency", "jitter", "bandwidth", "reset", "hang", "cpu"}},
      {"/faults/*/target", kString, {}},
      {"/faults/*/duration", kString, {}},
      {"/faults/*/params", kObject, {}},
      {"/faults/*/params/ms", kNumber, {}},
      {"/faults/*/params/jitter_ms", kNumber, {}},
      {"/faults/*/params/kbps", kNumber, {}},
      {"/faults/*/params/direction", kString, {"down", "up", "both"}},
      {"/faults/*/params/cores", kNumber, {}},
  };
  const auto stack_end = std::find_if(table.begin(), table.end(),
                                      [](const KeySpec& k) { return k.path == "/requests"; });
  const auto autoscaler = autoscaler_keys();
  table.insert(stack_end, autoscaler.begin(), autoscaler.end());
  return table;
}

// The parent pattern of "/a/b/c" is "/a/b"; of "/a" it is "" (the top level).
std::string_view parent_of(std::string_view path) {
  return path.substr(0, path.rfind('/'));
}

}  // namespace

std::string_view json_type_name(JsonType t) {
  switch (t) {
    case kString:
      return "string";
    case kInteger:
      return "integer";
    case kNumber:
      return "number";
    case kBoolean:
      return "boolean";
    case kObject:
      return "object";
    case kArray:
      return "array";
  }
  return "?";
}

const std::vector<KeySpec>& accepted_keys() {
  static const std::vector<KeySpec> table = build_table();
  return table;
}

const KeySpec* find_key(std::string_view pattern) {
  for (const auto& k : accepted_keys()) {
    if (k.path == pattern) return &k;
  }
  return nullptr;
}

std::string key_pattern(std::string_view pointer) {
  std::string pattern;
  std::size_t at = 0;
  while (at < pointer.size() && pointer[at] == '/') {
    const auto next = std::min(pointer.find('/', at + 1), pointer.size());
    const auto exact = pattern + std::string(pointer.substr(at, next - at));
    // A named key wins; otherwise the segment is an array index or a map member.
    pattern = find_key(exact) || !find_key(pattern + "/*") ? exact : pattern + "/*";
    at = next;
  }
  return pattern;
}

std::vector<std::string> child_keys(std::string_view pattern) {
  std::vector<std::string> names;
  for (const auto& k : accepted_keys()) {
    if (parent_of(k.path) == pattern) names.push_back(k.path.substr(pattern.size() + 1));
  }
  return names;
}

}  // namespace lg::scenarios
