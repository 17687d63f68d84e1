// The fault proxy process's control line: what the stack (or a person with a TCP client) says
// to switch toxics on a route at run time. One command per line, one answer line each:
//   set PORT TOXICS      -> "ok" | "error: ..."   (TOXICS as parse_toxics reads them)
//   stats PORT           -> "accepted=N upstream_failed=N reset=N bytes_up=N bytes_down=N
//                            delayed=N open=N"
// PORT is the route's listening port. Pure text in, text out: the sockets are main.cpp's.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "loadgen/faultproxy/proxy.h"

namespace lg::faultproxy {

using Routes = std::map<std::uint16_t, std::unique_ptr<Proxy>>;  // by listening port

// One command line (no newline) -> its answer (no newline).
std::string answer(Routes& routes, std::string_view line);

}  // namespace lg::faultproxy
