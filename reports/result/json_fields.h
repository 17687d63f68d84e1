// A struct read from an object's keys and written to them, described once as a table of
// (key, member) instead of a line per member and direction: each member is read by its type,
// with its current value as the fallback (so a bad knob leaves the defaults of the rest), and
// written as that type's JSON value. Members are read in table order, which is the order their
// errors are listed in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/result/json_walker.h"

namespace lg::reports {

// A member holding nanoseconds that result.json stores as seconds ("duration_s"); `or_null`:
// a negative value (none) is stored as null, and null reads back as the member's default.
template <class T>
struct Seconds {
  std::int64_t T::*ns;
  bool or_null = false;
};
template <class T>
constexpr Seconds<T> seconds(std::int64_t T::*ns) {
  return {ns};
}
template <class T>
constexpr Seconds<T> seconds_or_null(std::int64_t T::*ns) {
  return {ns, true};
}

template <class T>
struct Field {
  std::string_view key;
  std::variant<std::string T::*, bool T::*, double T::*, std::uint32_t T::*, std::uint64_t T::*,
               std::int64_t T::*, Seconds<T>>
      member;
};

template <class T, std::size_t N>
void read_fields(JsonWalker& w, const JsonNode& obj, T& into, const Field<T> (&fields)[N]) {
  for (const auto& f : fields) {
    const auto n = w.field(obj, f.key);
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), Seconds<T>>) {
            if (m.or_null && w.is_null(n)) return;
            into.*m.ns = w.seconds_ns(n, into.*m.ns);
          } else {
            auto& v = into.*m;
            using V = std::remove_cvref_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) v = w.text(n, v);
            if constexpr (std::is_same_v<V, bool>) v = w.boolean(n, v);
            if constexpr (std::is_same_v<V, double>) v = w.number(n, v);
            if constexpr (std::is_same_v<V, std::uint32_t>) v = w.uint32(n, v);
            if constexpr (std::is_same_v<V, std::uint64_t>) v = w.uint(n, UINT64_MAX, v);
            if constexpr (std::is_same_v<V, std::int64_t>) v = w.integer(n, v);
          }
        },
        f.member);
  }
}

// A record read from the object `obj` by its table, from the record's defaults.
template <class T, std::size_t N>
T read_record(JsonWalker& w, const JsonNode& obj, const Field<T> (&fields)[N]) {
  T out;
  read_fields(w, obj, out, fields);
  return out;
}

// Each member of `from` into the object `out`, under its key (other keys are left as they are).
template <class T, std::size_t N>
void write_fields(nlohmann::json& out, const T& from, const Field<T> (&fields)[N]) {
  for (const auto& f : fields) {
    auto& slot = out[std::string(f.key)];
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), Seconds<T>>) {
            const std::int64_t ns = from.*m.ns;
            slot = m.or_null && ns < 0 ? nlohmann::json(nullptr)
                                       : nlohmann::json(static_cast<double>(ns) / 1e9);
          } else {
            slot = from.*m;
          }
        },
        f.member);
  }
}

// One object per record, in order.
template <class T, std::size_t N>
nlohmann::json records_json(const std::vector<T>& records, const Field<T> (&fields)[N]) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : records) {
    nlohmann::json j = nlohmann::json::object();
    write_fields(j, r, fields);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace lg::reports
