#include "scenarios/scenario_keys.h"

#include <algorithm>

namespace lg::scenarios {
namespace {

using enum JsonType;

// Meanings, units and ranges are documented in scenarios/schema.json (and README.md); this
// table holds what the parser needs to be strict: names, JSON types and enumerations.
std::vector<KeySpec> build_table() {
  return {
      {"/schema_version", kInteger, {"1"}},
      {"/name", kString, {}},
      {"/target", kString, {}},
      {"/stack", kObject, {}},
      {"/stack/replicas", kObject, {}},
      {"/stack/replicas/min", kInteger, {}},
      {"/stack/replicas/max", kInteger, {}},
      {"/stack/fpm_children", kInteger, {}},
      {"/stack/autoscaler", kObject, {}},
      {"/stack/autoscaler/enabled", kBoolean, {}},
      {"/stack/autoscaler/algorithm",
       kString,
       {"linear", "exponential", "predictive", "target_tracking"}},
      {"/stack/autoscaler/check_interval", kString, {}},
      {"/stack/autoscaler/cooldown", kString, {}},
      {"/stack/autoscaler/window", kString, {}},
      {"/stack/autoscaler/stabilization", kString, {}},
      {"/stack/autoscaler/scale_up", kObject, {}},
      {"/stack/autoscaler/scale_up/cpu", kNumber, {}},
      {"/stack/autoscaler/scale_up/rps_per_replica", kNumber, {}},
      {"/stack/autoscaler/scale_up/response_time", kString, {}},
      {"/stack/autoscaler/scale_up/error_rate", kNumber, {}},
      {"/stack/autoscaler/scale_down", kObject, {}},
      {"/stack/autoscaler/scale_down/cpu", kNumber, {}},
      {"/stack/autoscaler/scale_down/rps_per_replica", kNumber, {}},
      {"/stack/autoscaler/scale_down/response_time", kString, {}},
      {"/stack/autoscaler/factor", kNumber, {}},
      {"/stack/autoscaler/target", kObject, {}},
      {"/stack/autoscaler/target/metric", kString, {"cpu", "rps"}},
      {"/stack/autoscaler/target/value", kNumber, {}},
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
  };
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
