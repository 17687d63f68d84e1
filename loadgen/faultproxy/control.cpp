#include "loadgen/faultproxy/control.h"

#include <charconv>

namespace lg::faultproxy {
namespace {

std::string_view word(std::string_view& rest) {
  const auto start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  const auto end = std::min(rest.find(' '), rest.size());
  const auto w = rest.substr(0, end);
  rest.remove_prefix(end);
  return w;
}

std::string known(const Routes& routes) {
  std::string out;
  for (const auto& [port, _] : routes) out += (out.empty() ? "" : ", ") + std::to_string(port);
  return out;
}

}  // namespace

std::string answer(Routes& routes, std::string_view line) {
  std::string_view rest = line;
  const auto cmd = word(rest);
  if (cmd != "set" && cmd != "stats") {
    return "error: unknown command '" + std::string(cmd) +
           "' (accepted: set PORT TOXICS, stats PORT)";
  }
  const auto port_text = word(rest);
  std::uint16_t port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  const auto it = ec == std::errc{} && ptr == port_text.data() + port_text.size()
                      ? routes.find(port)
                      : routes.end();
  if (it == routes.end()) {
    return "error: no route listens on '" + std::string(port_text) + "' (routes: " + known(routes) +
           ")";
  }
  if (cmd == "stats") {
    const auto s = it->second->stats();
    return "accepted=" + std::to_string(s.accepted) +
           " upstream_failed=" + std::to_string(s.upstream_failed) +
           " reset=" + std::to_string(s.reset) + " bytes_up=" + std::to_string(s.bytes_up) +
           " bytes_down=" + std::to_string(s.bytes_down) + " delayed=" + std::to_string(s.delayed) +
           " open=" + std::to_string(s.open);
  }
  auto toxics = parse_toxics(rest);
  if (!toxics) return "error: " + toxics.error();
  it->second->set(*toxics);
  return "ok";
}

}  // namespace lg::faultproxy
