#include "stack/haproxy_frontends.h"

namespace lg::stack {
namespace {

std::string header_rules(bool https) {
  std::string out;
  for (const auto& h : kSecurityHeaders) {
    if (h.https_only && !https) continue;
    out += std::string("  http-after-response set-header ") + h.name + " \"" + h.value + "\"\n";
  }
  return out;
}

std::string refuse(const std::string& why, const std::string& condition) {
  return "  http-request return status 429 content-type text/plain string \"" + why +
         "\" hdr Retry-After 1 if " + condition + "\n";
}

// Tracked per connection (so conn_cur counts connections); a request is counted as accepted
// (gpc0, gpc1) only once it passed every limit, so refused ones do not use up the rate.
std::string limit_rules(const StackLimits& l) {
  if (!l.enabled) return "";
  const auto n = [](std::uint64_t v) { return std::to_string(v); };
  return "  tcp-request connection track-sc0 src table st_clients\n" +
         refuse("too many connections from your address",
                "{ sc_conn_cur(0) gt " + n(l.connections) + " }") +
         refuse("request rate above the ceiling",
                "{ sc_http_req_rate(0) gt " + n(l.ceiling) + " }") +
         refuse("request rate above the limit",
                "{ sc_gpc0_rate(0) ge " + n(std::uint64_t{l.rate} + l.burst) + " } || " +
                    "{ sc_gpc1_rate(0) ge " + n(std::uint64_t{l.rate} * 10) + " }") +
         "  http-request sc-inc-gpc0(0)\n  http-request sc-inc-gpc1(0)\n";
}

}  // namespace

std::string http_frontend_rules(const FrontendOptions& o, std::uint16_t https_port) {
  std::string out = limit_rules(o.limits);
  if (o.redirect) {
    out += "  http-request redirect prefix https://127.0.0.1:" + std::to_string(https_port) +
           " code 308\n";
  }
  return out + header_rules(false);
}

std::string https_frontend_rules(const FrontendOptions& o) {
  return limit_rules(o.limits) + header_rules(true);
}

std::string limits_table(const StackLimits& l) {
  if (!l.enabled) return "";
  return "backend st_clients\n"
         "  stick-table type ip size 100k expire 60s store "
         "conn_cur,http_req_rate(1s),gpc0,gpc0_rate(1s),gpc1,gpc1_rate(10s)\n";
}

}  // namespace lg::stack
