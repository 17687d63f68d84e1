#include "scenarios/reader.h"

#include <algorithm>

#include "loadgen/core/units.h"
#include "scenarios/scenario_keys.h"

namespace lg::scenarios::detail {
namespace {

bool has_type(const json& v, JsonType t) {
  switch (t) {
    case JsonType::kString:
      return v.is_string();
    case JsonType::kInteger:
      return v.is_number_integer();
    case JsonType::kNumber:
      return v.is_number();
    case JsonType::kBoolean:
      return v.is_boolean();
    case JsonType::kObject:
      return v.is_object();
    case JsonType::kArray:
      return v.is_array();
  }
  return false;
}

// "\"constant\", \"poisson\"" for strings; "1" for numbers.
std::string value_list(const KeySpec& spec) {
  std::string list;
  for (const auto& v : spec.values) {
    if (!list.empty()) list += ", ";
    list += spec.type == JsonType::kString ? "\"" + v + "\"" : v;
  }
  return list;
}

}  // namespace

void Reader::error(const std::string& ptr, const std::string& msg,
                   std::vector<std::string> related) {
  errors.push_back({ptr, msg, std::move(related)});
  ok_.erase(ptr);
}

bool Reader::clean_under(const std::string& ptr) const {
  return std::none_of(errors.begin(), errors.end(), [&ptr](const ScenarioError& e) {
    return e.pointer == ptr || e.pointer.starts_with(ptr + "/");
  });
}

std::string Reader::show(const json& v) {
  auto s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

void Reader::only_keys(const json& obj, const std::string& ptr) {
  const auto allowed = child_keys(key_pattern(ptr));
  for (const auto& [k, v] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    error(ptr + "/" + k, "unknown key \"" + k + "\" (accepted keys: " + list + ")");
  }
}

std::string Reader::choice(const json& v, const std::string& ptr) {
  const KeySpec* spec = find_key(key_pattern(ptr));
  if (spec == nullptr) return {};  // a loader bug; the schema test catches it
  if (!has_type(v, spec->type)) {
    error(ptr, "expected one of " + value_list(*spec) + ", got " + show(v));
    return {};
  }
  const auto text = v.is_string() ? v.get<std::string>() : v.dump();
  if (std::find(spec->values.begin(), spec->values.end(), text) == spec->values.end()) {
    error(ptr, "unknown value " + show(v) + " (accepted: " + value_list(*spec) + ")");
    return {};
  }
  ok(ptr);
  return text;
}

std::string Reader::string(const json& v, const std::string& ptr, const std::string& what) {
  if (v.is_string()) {
    ok(ptr);
    return v.get<std::string>();
  }
  error(ptr, "expected a string (" + what + "), got " + show(v));
  return {};
}

std::int64_t Reader::duration(const json& v, const std::string& ptr) {
  if (!v.is_string()) {
    error(ptr, "expected a duration string such as \"250ms\", \"60s\" or \"2m\", got " + show(v));
    return 0;
  }
  auto d = parse_duration(v.get<std::string>());
  if (!d) {
    error(ptr, d.error());
    return 0;
  }
  ok(ptr);
  return *d;
}

double Reader::rate(const json& v, const std::string& ptr) {
  if (!v.is_string()) {
    error(ptr, "expected a rate string such as \"1/s\" or \"30/m\", got " + show(v));
    return 0;
  }
  auto r = parse_rate(v.get<std::string>());
  if (!r) {
    error(ptr, r.error());
    return 0;
  }
  ok(ptr);
  return *r;
}

std::uint64_t Reader::integer(const json& v, const std::string& ptr, std::uint64_t lo,
                              std::uint64_t hi) {
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0) ||
      v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi) {
    error(ptr, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "], got " + show(v));
    return lo;
  }
  ok(ptr);
  return v.get<std::uint64_t>();
}

double Reader::number(const json& v, const std::string& ptr, double lo, double hi,
                      double fallback) {
  if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
    error(ptr,
          "expected a number in [" + show(json(lo)) + ", " + show(json(hi)) + "], got " + show(v));
    return fallback;
  }
  ok(ptr);
  return v.get<double>();
}

bool Reader::boolean(const json& v, const std::string& ptr, bool fallback) {
  if (!v.is_boolean()) {
    error(ptr, "expected true or false, got " + show(v));
    return fallback;
  }
  ok(ptr);
  return v.get<bool>();
}

}  // namespace lg::scenarios::detail
