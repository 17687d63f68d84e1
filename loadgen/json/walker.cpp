#include "loadgen/json/walker.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace lg::json {
namespace {

template <class Json>
bool has_type(const Json& v, Type t) {
  switch (t) {
    case Type::kString:
      return v.is_string();
    case Type::kInteger:
      return v.is_number_integer();
    case Type::kNumber:
      return v.is_number();
    case Type::kBoolean:
      return v.is_boolean();
    case Type::kObject:
      return v.is_object();
    case Type::kArray:
      return v.is_array();
  }
  return false;
}

// "\"constant\", \"poisson\"" for strings; "1" for numbers.
std::string value_list(const std::vector<std::string>& values, Type type) {
  std::string list;
  for (const auto& v : values) {
    if (!list.empty()) list += ", ";
    list += type == Type::kString ? "\"" + v + "\"" : v;
  }
  return list;
}

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

template <class Json>
std::string number_range(double lo, double hi) {
  const auto shown = [](double v) { return Walker<Json>::show(Json(v)); };
  if (std::isinf(lo) && std::isinf(hi)) return "a number";
  if (std::isinf(hi)) return "a number >= " + shown(lo);
  if (std::isinf(lo)) return "a number <= " + shown(hi);
  return "a number in [" + shown(lo) + ", " + shown(hi) + "]";
}

}  // namespace

template <class Json>
std::string Walker<Json>::show(const Json& v) {
  auto s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

template <class Json>
void Walker<Json>::error(const std::string& ptr, const std::string& message,
                         std::vector<std::string> related) {
  if (mode_ == Mode::kTolerant && !failed_.insert(ptr).second) return;
  errors.push_back({ptr, message, std::move(related)});
  ok_.erase(ptr);
}

template <class Json>
void Walker<Json>::expected(const Node<Json>& n, std::string_view what, std::string_view why) {
  auto message = "expected " + std::string(what) + (mode_ == Mode::kStrict ? ", got " : ", found ");
  message += n.value ? show(*n.value) : std::string("nothing (the key is missing)");
  if (!why.empty()) message += ": " + std::string(why);
  error(n.ptr, message);
}

template <class Json>
bool Walker<Json>::clean_under(const std::string& ptr) const {
  return std::none_of(errors.begin(), errors.end(), [&ptr](const Error& e) {
    return e.pointer == ptr || e.pointer.starts_with(ptr + "/");
  });
}

template <class Json>
void Walker<Json>::reject(const Node<Json>& n, std::string_view what) {
  if (n.value || n.required) expected(n, what);
}

template <class Json>
void Walker<Json>::accept(const Node<Json>& n) {
  if (mode_ == Mode::kStrict) ok_.insert(n.ptr);
}

template <class Json>
bool Walker<Json>::usable(const Node<Json>& n, std::string_view what) {
  if (n.value) return true;
  reject(n, what);
  return false;
}

template <class Json>
std::string Walker<Json>::child(const std::string& ptr, std::string_view key) const {
  return ptr + "/" + (mode_ == Mode::kStrict ? std::string(key) : escape(key));
}

template <class Json>
Node<Json> Walker<Json>::field(const Node<Json>& obj, std::string_view key) {
  Node<Json> out{nullptr, child(obj.ptr, key), false};
  if (!usable(obj, "an object")) return out;
  if (!obj.value->is_object()) {
    expected(obj, "an object");
    return out;
  }
  out.required = true;
  const auto it = obj.value->find(key);
  if (it != obj.value->end()) out.value = &*it;
  return out;
}

template <class Json>
Node<Json> Walker<Json>::optional(const Node<Json>& obj, std::string_view key) {
  auto n = field(obj, key);
  n.required = false;
  return n;
}

template <class Json>
std::vector<Node<Json>> Walker<Json>::items(const Node<Json>& arr) {
  std::vector<Node<Json>> out;
  if (!usable(arr, "an array")) return out;
  if (!arr.value->is_array()) {
    expected(arr, "an array");
    return out;
  }
  for (std::size_t i = 0; i < arr.value->size(); ++i) {
    out.push_back({&(*arr.value)[i], arr.ptr + "/" + std::to_string(i), true});
  }
  return out;
}

template <class Json>
std::vector<std::pair<std::string, Node<Json>>> Walker<Json>::members(const Node<Json>& obj) {
  std::vector<std::pair<std::string, Node<Json>>> out;
  if (!usable(obj, "an object")) return out;
  if (!obj.value->is_object()) {
    expected(obj, "an object");
    return out;
  }
  for (const auto& [k, v] : obj.value->items()) {
    out.emplace_back(k, Node<Json>{&v, child(obj.ptr, k), true});
  }
  return out;
}

template <class Json>
void Walker<Json>::only_keys(const Node<Json>& obj, const std::vector<std::string>& accepted) {
  if (!obj.value || !obj.value->is_object()) return;
  std::string list;
  for (const auto& a : accepted) list += (list.empty() ? "" : ", ") + a;
  for (const auto& [k, v] : obj.value->items()) {
    if (std::find(accepted.begin(), accepted.end(), k) != accepted.end()) continue;
    error(child(obj.ptr, k), "unknown key \"" + k + "\" (accepted keys: " + list + ")");
  }
}

template <class Json>
std::optional<std::string> Walker<Json>::text(const Node<Json>& n, std::string_view what) {
  if (n.value && n.value->is_string()) {
    accept(n);
    return n.value->template get<std::string>();
  }
  reject(n, what);
  return std::nullopt;
}

template <class Json>
std::optional<bool> Walker<Json>::boolean(const Node<Json>& n) {
  if (n.value && n.value->is_boolean()) {
    accept(n);
    return n.value->template get<bool>();
  }
  reject(n, "true or false");
  return std::nullopt;
}

template <class Json>
std::optional<double> Walker<Json>::number(const Node<Json>& n, double lo, double hi,
                                           std::string_view what) {
  if (n.value && n.value->is_number()) {
    const auto v = n.value->template get<double>();
    if (v >= lo && v <= hi) {
      accept(n);
      return v;
    }
  }
  reject(n, what.empty() ? number_range<Json>(lo, hi) : std::string(what));
  return std::nullopt;
}

template <class Json>
std::optional<std::uint64_t> Walker<Json>::integer(const Node<Json>& n, std::uint64_t lo,
                                                   std::uint64_t hi, std::string_view what) {
  if (n.value) {
    const auto& v = *n.value;
    // Documents built in memory hold non-negative integers as signed; parsed ones as unsigned.
    const bool non_negative =
        v.is_number_unsigned() || (v.is_number_integer() && v.template get<std::int64_t>() >= 0);
    if (non_negative) {
      const auto u = v.template get<std::uint64_t>();
      if (u >= lo && u <= hi) {
        accept(n);
        return u;
      }
    }
  }
  reject(n, what.empty() ? "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"
                         : std::string(what));
  return std::nullopt;
}

template <class Json>
std::optional<std::size_t> Walker<Json>::choice(const Node<Json>& n,
                                                const std::vector<std::string>& values, Type type) {
  if (n.value && has_type(*n.value, type)) {
    const auto text = n.value->is_string() ? n.value->template get<std::string>() : n.value->dump();
    const auto it = std::find(values.begin(), values.end(), text);
    if (it != values.end()) {
      accept(n);
      return static_cast<std::size_t>(it - values.begin());
    }
    if (mode_ == Mode::kStrict) {
      error(n.ptr,
            "unknown value " + show(*n.value) + " (accepted: " + value_list(values, type) + ")");
      return std::nullopt;
    }
  }
  reject(n, "one of " + value_list(values, type));
  return std::nullopt;
}

template class Walker<nlohmann::json>;
template class Walker<nlohmann::ordered_json>;

}  // namespace lg::json
