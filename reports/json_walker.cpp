#include "reports/json_walker.h"

#include <cmath>
#include <limits>

namespace lg::reports {
namespace {

using nlohmann::json;

// RFC 6901: '~' and '/' in a key are escaped so that the pointer stays unambiguous.
std::string escape(std::string_view key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

JsonNode child(const JsonNode& obj, std::string_view key, bool required) {
  JsonNode out{nullptr, obj.ptr + "/" + escape(key), required};
  const auto it = obj.value->find(key);
  if (it != obj.value->end()) out.value = &*it;
  return out;
}

}  // namespace

std::string JsonWalker::show(const json& v) {
  auto s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

void JsonWalker::fail_with(const std::string& ptr, const std::string& message) {
  if (!failed_ptrs_.insert(ptr).second) return;  // one problem, one error
  errors_.push_back(source_ + ": " + (ptr.empty() ? "(top level)" : ptr) + ": " + message);
}

void JsonWalker::fail(const JsonNode& n, std::string_view what) {
  const auto found = n.value ? show(*n.value) : std::string("nothing (the key is missing)");
  fail_with(n.ptr, "expected " + std::string(what) + ", found " + found);
}

bool JsonWalker::usable(const JsonNode& n, std::string_view what) {
  if (n.value) return true;
  if (n.required) fail(n, what);
  return false;
}

JsonNode JsonWalker::field(const JsonNode& obj, std::string_view key) {
  // Below a missing or mistyped parent nothing more is reported: the parent's error says it.
  if (!usable(obj, "an object")) return {nullptr, obj.ptr + "/" + escape(key), false};
  if (!obj.value->is_object()) {
    fail(obj, "an object");
    return {nullptr, obj.ptr + "/" + escape(key), false};
  }
  return child(obj, key, true);
}

JsonNode JsonWalker::optional(const JsonNode& obj, std::string_view key) {
  auto n = field(obj, key);
  n.required = false;
  return n;
}

std::vector<JsonNode> JsonWalker::items(const JsonNode& arr) {
  std::vector<JsonNode> out;
  if (!usable(arr, "an array")) return out;
  if (!arr.value->is_array()) {
    fail(arr, "an array");
    return out;
  }
  for (std::size_t i = 0; i < arr.value->size(); ++i) {
    out.push_back({&(*arr.value)[i], arr.ptr + "/" + std::to_string(i), true});
  }
  return out;
}

std::vector<std::pair<std::string, JsonNode>> JsonWalker::members(const JsonNode& obj) {
  std::vector<std::pair<std::string, JsonNode>> out;
  if (!usable(obj, "an object")) return out;
  if (!obj.value->is_object()) {
    fail(obj, "an object");
    return out;
  }
  for (const auto& [k, v] : obj.value->items()) {
    out.emplace_back(k, JsonNode{&v, obj.ptr + "/" + escape(k), true});
  }
  return out;
}

std::string JsonWalker::text(const JsonNode& n, std::string fallback) {
  if (!usable(n, "a string")) return fallback;
  if (n.value->is_string()) return n.value->get<std::string>();
  fail(n, "a string");
  return fallback;
}

bool JsonWalker::boolean(const JsonNode& n, bool fallback) {
  if (!usable(n, "true or false")) return fallback;
  if (n.value->is_boolean()) return n.value->get<bool>();
  fail(n, "true or false");
  return fallback;
}

double JsonWalker::number(const JsonNode& n, double fallback) {
  if (!usable(n, "a number")) return fallback;
  if (n.value->is_number()) return n.value->get<double>();
  fail(n, "a number");
  return fallback;
}

std::uint64_t JsonWalker::uint(const JsonNode& n, std::uint64_t max, std::uint64_t fallback) {
  const auto what = max == UINT64_MAX ? std::string("a non-negative integer")
                                      : "an integer in [0, " + std::to_string(max) + "]";
  if (!usable(n, what)) return fallback;
  const auto& v = *n.value;
  // Documents built in memory hold non-negative integers as signed; parsed ones as unsigned.
  const bool non_negative =
      v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
  if (non_negative && v.get<std::uint64_t>() <= max) return v.get<std::uint64_t>();
  fail(n, what);
  return fallback;
}

std::int64_t JsonWalker::integer(const JsonNode& n, std::int64_t fallback) {
  if (!usable(n, "an integer")) return fallback;
  const auto& v = *n.value;
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (v.is_number_integer() && !(v.is_number_unsigned() && v.get<std::uint64_t>() > limit)) {
    return v.get<std::int64_t>();
  }
  fail(n, "an integer");
  return fallback;
}

std::int32_t JsonWalker::count_or_null(const JsonNode& n) {
  if (is_null(n)) return -1;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  if (!usable(n, "a non-negative integer or null")) return -1;
  const auto& v = *n.value;
  const bool non_negative =
      v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
  if (non_negative && v.get<std::uint64_t>() <= kMax) {
    return static_cast<std::int32_t>(v.get<std::uint64_t>());
  }
  fail(n, "a non-negative integer or null");
  return -1;
}

std::int64_t JsonWalker::seconds_ns(const JsonNode& n, std::int64_t fallback) {
  constexpr const char* kWhat = "a non-negative number of seconds";
  constexpr double kMaxSeconds = 9.2e9;  // int64 nanoseconds reach 9.22e9 s
  if (!usable(n, kWhat)) return fallback;
  if (n.value->is_number()) {
    const double s = n.value->get<double>();
    if (s >= 0 && s <= kMaxSeconds) return std::llround(s * 1e9);
  }
  fail(n, kWhat);
  return fallback;
}

std::size_t JsonWalker::one_of(const JsonNode& n, std::initializer_list<std::string_view> choices,
                               std::size_t fallback) {
  std::string what = "one of";
  for (const auto c : choices) what += (what.size() > 6 ? ", \"" : " \"") + std::string(c) + '"';
  if (!usable(n, what)) return fallback;
  if (n.value->is_string()) {
    const auto& s = n.value->get_ref<const std::string&>();
    std::size_t i = 0;
    for (const auto c : choices) {
      if (s == c) return i;
      ++i;
    }
  }
  fail(n, what);
  return fallback;
}

std::optional<Histogram> JsonWalker::histogram(const JsonNode& n) {
  constexpr const char* kWhat = "an encoded histogram (\"lgh1:...\")";
  if (!usable(n, kWhat)) return std::nullopt;
  if (!n.value->is_string()) {
    fail(n, kWhat);
    return std::nullopt;
  }
  auto h = Histogram::decode(n.value->get_ref<const std::string&>());
  if (h) return std::move(*h);
  fail_with(n.ptr,
            "expected " + std::string(kWhat) + ", found " + show(*n.value) + ": " + h.error());
  return std::nullopt;
}

std::string JsonWalker::report(std::size_t limit) const {
  std::string out;
  for (std::size_t i = 0; i < errors_.size() && i < limit; ++i) {
    out += (i == 0 ? "" : "\n") + errors_[i];
  }
  if (errors_.size() > limit) {
    out += "\n... and " + std::to_string(errors_.size() - limit) + " more errors";
  }
  return out;
}

}  // namespace lg::reports
