// The frontend rules as text (no HAProxy): what each option adds and in what order. The real
// HAProxy's behaviour with them is https_frontend_test.cpp's.
#include "stack/haproxy_frontends.h"

#include <catch2/catch.hpp>
#include <string>

using lg::stack::FrontendOptions;
using lg::stack::http_frontend_rules;
using lg::stack::https_frontend_rules;
using lg::stack::kSecurityHeaders;
using lg::stack::limits_table;

namespace {
bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("haproxy frontends: headers everywhere, HSTS only over HTTPS, nothing else by default",
          "[stack-config]") {
  const FrontendOptions none;
  const std::string http = http_frontend_rules(none, 18004);
  const std::string https = https_frontend_rules(none);
  for (const auto& h : kSecurityHeaders) {
    INFO(h.name);
    const std::string line =
        std::string("http-after-response set-header ") + h.name + " \"" + h.value + "\"";
    CHECK(has(https, line));
    CHECK(has(http, line) == !h.https_only);
  }
  std::string names;
  for (const auto& h : kSecurityHeaders) names += std::string(h.name) + ";";
  CHECK(names ==
        "Strict-Transport-Security;X-Content-Type-Options;X-Frame-Options;Referrer-Policy;"
        "Content-Security-Policy;");
  CHECK_FALSE(has(http, "redirect"));
  CHECK_FALSE(has(http + https, "track-sc0"));
  CHECK(limits_table(none.limits).empty());
}

TEST_CASE("haproxy frontends: the redirect names the HTTPS port and comes after the limits",
          "[stack-config]") {
  FrontendOptions o;
  o.redirect = true;
  o.limits.enabled = true;
  const std::string http = http_frontend_rules(o, 18004);
  const auto redirect = http.find("http-request redirect prefix https://127.0.0.1:18004 code 308");
  REQUIRE(redirect != std::string::npos);
  // Limits first: a client over them gets 429, not a redirect it would follow.
  CHECK(http.find("track-sc0") < redirect);
  CHECK_FALSE(has(https_frontend_rules(o), "redirect"));
}

TEST_CASE("haproxy frontends: each limit is a 429 rule with its own number and reason",
          "[stack-config]") {
  FrontendOptions o;
  o.limits = {.enabled = true, .rate = 7, .burst = 3, .ceiling = 99, .connections = 4};
  for (const std::string& rules : {http_frontend_rules(o, 1), https_frontend_rules(o)}) {
    CHECK(has(rules, "tcp-request connection track-sc0 src table st_clients"));
    CHECK(has(rules,
              "\"too many connections from your address\" hdr Retry-After 1 if "
              "{ sc_conn_cur(0) gt 4 }"));
    CHECK(has(rules,
              "\"request rate above the ceiling\" hdr Retry-After 1 if "
              "{ sc_http_req_rate(0) gt 99 }"));
    CHECK(has(rules,
              "\"request rate above the limit\" hdr Retry-After 1 if "
              "{ sc_gpc0_rate(0) ge 10 } || { sc_gpc1_rate(0) ge 70 }"));
    // Counted as accepted only after every refusal rule.
    CHECK(rules.find("sc-inc-gpc0") > rules.find("request rate above the limit"));
  }
  const std::string table = limits_table(o.limits);
  CHECK(has(table, "backend st_clients"));
  CHECK(has(table, "conn_cur,http_req_rate(1s),gpc0,gpc0_rate(1s),gpc1,gpc1_rate(10s)"));
}
