#include "loadgen/core/counters.h"

namespace lg {

std::string describe_failures(const Counters& c, bool zeros) {
  std::string out;
  auto add = [&](std::string_view name, std::uint64_t n) {
    if (n == 0 && !zeros) return;
    if (!out.empty()) out += ", ";
    out += std::string(name) + " " + std::to_string(n);
  };
  for (std::size_t i = 0; i < kErrorKinds; ++i)
    add(error_kind_name(static_cast<ErrorKind>(i)), c.errors[i]);
  add("dropped", c.dropped);
  add("abandoned", c.abandoned);
  return out.empty() ? "none" : out;
}

}  // namespace lg
