// A struct read from an object's keys, described once as a table of (key, member) instead of a
// line per member: each member is read by its type, with its current value as the fallback (so
// a bad knob leaves the defaults of the rest). Members are read in table order, which is the
// order their errors are listed in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "reports/result/json_walker.h"

namespace lg::reports {

// A member holding nanoseconds that result.json stores as seconds ("duration_s").
template <class T>
struct Seconds {
  std::int64_t T::*ns;
};
template <class T>
constexpr Seconds<T> seconds(std::int64_t T::*ns) {
  return {ns};
}

template <class T>
struct Field {
  std::string_view key;
  std::variant<std::string T::*, bool T::*, double T::*, std::uint32_t T::*, std::uint64_t T::*,
               Seconds<T>>
      member;
};

template <class T, std::size_t N>
void read_fields(JsonWalker& w, const JsonNode& obj, T& into, const Field<T> (&fields)[N]) {
  for (const auto& f : fields) {
    const auto n = w.field(obj, f.key);
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), Seconds<T>>) {
            into.*m.ns = w.seconds_ns(n, into.*m.ns);
          } else {
            auto& v = into.*m;
            using V = std::remove_cvref_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>) v = w.text(n, v);
            if constexpr (std::is_same_v<V, bool>) v = w.boolean(n, v);
            if constexpr (std::is_same_v<V, double>) v = w.number(n, v);
            if constexpr (std::is_same_v<V, std::uint32_t>) v = w.uint32(n, v);
            if constexpr (std::is_same_v<V, std::uint64_t>) v = w.uint(n, UINT64_MAX, v);
          }
        },
        f.member);
  }
}

}  // namespace lg::reports
