#include "reports/compare/plan_sameness.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "reports/result/result_json.h"

namespace lg::reports {
namespace {

using nlohmann::json;

enum class Group { kStepTiming, kSchedule, kShard, kResources, kSettings };

// The group of a field, by its pointer's segments (see plan_sameness.h).
Group group_of(const std::vector<std::string>& at) {
  const std::string& top = at.empty() ? std::string() : at[0];
  if (top == "steps") {
    if (at.size() < 3) return Group::kStepTiming;  // the count
    const std::string& field = at[2];
    if (field == "duration_s" || field == "start_rate" || field == "end_rate") {
      return Group::kStepTiming;
    }
    return field == "label" ? Group::kSettings : Group::kSchedule;
  }
  if (top == "name" || top == "mode" || top == "arrival" || top == "requests") {
    return Group::kSchedule;
  }
  if (top == "shard") return Group::kShard;
  if (top == "threads" || top == "connections" || top == "preconnect") return Group::kResources;
  return Group::kSettings;
}

bool required(Group g, Sameness s) {
  switch (s) {
    case Sameness::kComparable:
      return g == Group::kStepTiming || g == Group::kSchedule || g == Group::kShard;
    case Sameness::kShardsOfOneRun:
      return g == Group::kStepTiming || g == Group::kSchedule || g == Group::kSettings;
    case Sameness::kSameStepTiming:
      return g == Group::kStepTiming;
  }
  return true;
}

bool is_rate(const std::vector<std::string>& at) {
  return at.size() == 3 && at[0] == "steps" && (at[2] == "start_rate" || at[2] == "end_rate");
}

// Rates went through JSON: equal within a part in 10^9 is equal.
bool same_rate(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

std::string pointer_of(const std::vector<std::string>& at) {
  std::string p;
  for (const auto& s : at) p += "/" + s;
  return p;
}

struct Walk {
  Sameness sameness;
  std::vector<PlanDifference> out;
  std::vector<std::string> at;  // the current pointer's segments

  void add(json a, json b, bool count) {
    if (required(group_of(at), sameness)) {
      out.push_back({pointer_of(at), std::move(a), std::move(b), count});
    }
  }

  bool equal_leaves(const json& a, const json& b) const {
    if (sameness == Sameness::kComparable && is_rate(at) && a.is_number() && b.is_number()) {
      return same_rate(a.get<double>(), b.get<double>());
    }
    return a == b;
  }

  void diff(const json& a, const json& b) {
    if (a.is_object() && b.is_object()) {
      std::map<std::string, int> keys;  // both sides' keys, in order
      for (const auto& [k, v] : a.items()) keys[k] = 0;
      for (const auto& [k, v] : b.items()) keys[k] = 0;
      for (const auto& [k, unused] : keys) descend(k, a.value(k, json()), b.value(k, json()));
    } else if (a.is_array() && b.is_array()) {
      if (a.size() != b.size()) add(a.size(), b.size(), /*count=*/true);
      for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        descend(std::to_string(i), a[i], b[i]);
      }
    } else if (!equal_leaves(a, b)) {
      add(a, b, /*count=*/false);
    }
  }

  void descend(const std::string& key, const json& a, const json& b) {
    at.push_back(key);
    diff(a, b);
    at.pop_back();
  }
};

}  // namespace

std::vector<PlanDifference> differing_fields(const RunPlan& base, const RunPlan& other,
                                             Sameness sameness) {
  Walk w{sameness, {}, {}};
  w.diff(scenario_json(base), scenario_json(other));
  return std::move(w.out);
}

std::vector<PlanDifference> differing_fields(const RunRecord& base, const RunRecord& other,
                                             Sameness sameness) {
  Walk w{sameness, {}, {}};
  w.diff(scenario_json(base.result.plan, base.stack, base.slos),
         scenario_json(other.result.plan, other.stack, other.slos));
  return std::move(w.out);
}

}  // namespace lg::reports
