// Target URLs: "http://host[:port][/base]". Only plain http (TLS is out of scope for now).
#pragma once
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

}  // namespace lg
