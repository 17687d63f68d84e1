#include "stack/model/fault_target.h"

#include <charconv>

namespace lg {

std::expected<FaultTarget, std::string> parse_fault_target(std::string_view text) {
  const auto bad = [&] {
    return std::unexpected("'" + std::string(text) +
                           "' is not a fault target (accepted: " + kFaultTargetsAccepted + ")");
  };
  FaultTarget t;
  if (text == "db") {
    t.what = FaultTarget::What::kDatabase;
    return t;
  }
  if (text == "autoscaler") {
    t.what = FaultTarget::What::kAutoscaler;
    return t;
  }
  constexpr std::string_view kReplica = "replica:";
  if (!text.starts_with(kReplica)) return bad();
  std::string_view rest = text.substr(kReplica.size());
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto part = rest.substr(slash + 1);
    if (part == "nginx") {
      t.part = FaultTarget::Part::kNginx;
    } else if (part == "fpm") {
      t.part = FaultTarget::Part::kFpm;
    } else {
      return bad();
    }
    rest = rest.substr(0, slash);
  }
  if (rest == "any") return t;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), t.slot);
  if (ec != std::errc{} || ptr != rest.data() + rest.size() || t.slot == 0) return bad();
  return t;
}

}  // namespace lg
