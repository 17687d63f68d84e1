// Target URLs: "http://host[:port][/base]" or "https://host[:port][/base]" (Target::tls).
#pragma once
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "loadgen/core/run_plan.h"

namespace lg {

// On success, the Target plus the path part (with query), "/" when absent.
struct ParsedUrl {
  Target target;
  std::string path;
};

// Errors name the URL and what is accepted.
std::expected<ParsedUrl, std::string> parse_url(std::string_view url);

std::string format_url(const Target& t);

// 80 for http, 443 for https.
constexpr std::uint16_t default_port(bool tls) {
  return tls ? 443 : 80;
}

}  // namespace lg
