#include "scenarios/reader.h"

#include "loadgen/core/units.h"
#include "scenarios/scenario_keys.h"

namespace lg::scenarios::detail {

void Reader::only_keys(const json& obj, const std::string& ptr) {
  Core::only_keys(at(obj, ptr), child_keys(key_pattern(ptr)));
}

bool Reader::object(const json& v, const std::string& ptr, std::string_view what) {
  if (!v.is_object()) {
    expected(at(v, ptr), what);
    return false;
  }
  only_keys(v, ptr);
  return true;
}

bool Reader::array(const json& v, const std::string& ptr, std::string_view what,
                   std::size_t min_size) {
  if (v.is_array() && v.size() >= min_size) return true;
  expected(at(v, ptr), what);
  return false;
}

std::string Reader::choice(const json& v, const std::string& ptr) {
  const KeySpec* spec = find_key(key_pattern(ptr));
  if (spec == nullptr) return {};  // a loader bug; the schema test catches it
  const auto i = Core::choice(at(v, ptr), spec->values, spec->type);
  return i ? spec->values[*i] : std::string();
}

std::string Reader::string(const json& v, const std::string& ptr, const std::string& what) {
  return text(at(v, ptr), "a string (" + what + ")").value_or("");
}

template <class T>
T Reader::with_unit(const json& v, const std::string& ptr, std::string_view what,
                    std::expected<T, std::string> (*parse)(std::string_view)) {
  const auto s = text(at(v, ptr), what);
  if (!s) return 0;
  auto parsed = parse(*s);
  if (!parsed) {
    error(ptr, parsed.error());
    return 0;
  }
  return *parsed;
}

std::int64_t Reader::duration(const json& v, const std::string& ptr) {
  return with_unit(v, ptr, "a duration string such as \"250ms\", \"60s\" or \"2m\"",
                   parse_duration);
}

double Reader::rate(const json& v, const std::string& ptr) {
  return with_unit(v, ptr, "a rate string such as \"1/s\" or \"30/m\"", parse_rate);
}

std::uint64_t Reader::integer(const json& v, const std::string& ptr, std::uint64_t lo,
                              std::uint64_t hi) {
  return Core::integer(at(v, ptr), lo, hi).value_or(lo);
}

double Reader::number(const json& v, const std::string& ptr, double lo, double hi,
                      double fallback) {
  return Core::number(at(v, ptr), lo, hi).value_or(fallback);
}

bool Reader::boolean(const json& v, const std::string& ptr, bool fallback) {
  return Core::boolean(at(v, ptr)).value_or(fallback);
}

}  // namespace lg::scenarios::detail
