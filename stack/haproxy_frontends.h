// The rules of HAProxy's two web frontends (plain HTTP on Ports::haproxy(), HTTPS on
// Ports::https()), rendered into haproxy.cfg.in's @HTTP_RULES@ and @HTTPS_RULES@.
//
// Security headers and limits live in HAProxy, not nginx: it is the one place every response
// passes, HAProxy's own ones included (429, 503 when no replica is up, redirects), and the
// only place that sees all of a client's requests across replicas. `http-after-response`
// applies to those generated responses too, where nginx's add_header would miss them.
#pragma once
#include <cstdint>
#include <string>

#include "stack/model/stack_spec.h"

namespace lg::stack {

struct FrontendOptions {
  bool redirect = false;  // plain HTTP answers 308 to the HTTPS URL
  StackLimits limits;     // per client IP; off unless limits.enabled
};

// Lines for `frontend fe_web` (plain HTTP): limits, then the redirect, then the headers.
std::string http_frontend_rules(const FrontendOptions& o, std::uint16_t https_port);
// Lines for `frontend fe_https`: limits, the headers and HSTS.
std::string https_frontend_rules(const FrontendOptions& o);
// The stick table the limits count in (a `backend` section), or "" without limits.
std::string limits_table(const StackLimits& l);

// Every response's security headers (HSTS only over HTTPS), as name and value.
struct SecurityHeader {
  const char* name;
  const char* value;
  bool https_only;
};
inline constexpr SecurityHeader kSecurityHeaders[] = {
    {"Strict-Transport-Security", "max-age=31536000", true},
    {"X-Content-Type-Options", "nosniff", false},
    {"X-Frame-Options", "DENY", false},
    {"Referrer-Policy", "no-referrer", false},
    {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
     false}};

}  // namespace lg::stack
