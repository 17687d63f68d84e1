#include "loadgen/core/url.h"

#include <charconv>

namespace lg {
namespace {

std::string bad(std::string_view url, std::string_view why) {
  return "invalid URL '" + std::string(url) + "': " + std::string(why) +
         " (accepted: http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH], e.g. "
         "http://127.0.0.1:8080/api)";
}

// A host is a name or IPv4 literal (letters, digits, '-', '.', '_') or, between brackets, an
// IPv6 literal (letters, digits, ':', '.'). Anything else (spaces, '#', '%') is a typo, not a host.
bool valid_host(std::string_view host, bool v6) {
  for (const char c : host) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!(alnum || c == '.' || (v6 ? c == ':' : (c == '-' || c == '_')))) return false;
  }
  return true;
}

}  // namespace

std::expected<ParsedUrl, std::string> parse_url(std::string_view url) {
  const bool tls = url.starts_with("https://");
  if (!tls && !url.starts_with("http://")) {
    return std::unexpected(bad(url, "must start with http:// or https://"));
  }
  auto rest = url.substr(tls ? 8 : 7);
  const auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (path.front() == '?') path.insert(path.begin(), '/');
  if (authority.empty()) return std::unexpected(bad(url, "missing host"));
  if (authority.find('@') != std::string_view::npos) {
    return std::unexpected(bad(url, "user info is not supported"));
  }
  ParsedUrl out;
  auto host = authority;
  const bool v6 = authority.front() == '[';
  if (v6) {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected(bad(url, "unclosed '['"));
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (host.empty()) return std::unexpected(bad(url, "missing host"));
  if (!valid_host(host, v6)) return std::unexpected(bad(url, "invalid character in host"));
  out.target.host = std::string(host);
  out.target.tls = tls;
  out.target.port = default_port(tls);
  if (!authority.empty()) {
    if (authority.front() != ':') return std::unexpected(bad(url, "unexpected text after host"));
    const auto digits = authority.substr(1);
    unsigned port = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || p != digits.data() + digits.size() || port == 0 || port > 65535) {
      return std::unexpected(bad(url, "port must be a number in 1..65535"));
    }
    out.target.port = static_cast<std::uint16_t>(port);
  }
  out.path = std::move(path);
  return out;
}

std::string format_url(const Target& t) {
  const bool v6 = t.host.find(':') != std::string::npos;
  std::string s = (t.tls ? "https://" : "http://") + (v6 ? "[" + t.host + "]" : t.host);
  if (t.port != default_port(t.tls)) s += ":" + std::to_string(t.port);
  return s + (t.base_path.empty() ? "" : t.base_path);
}

}  // namespace lg
