// Target URLs: what parse_url accepts (host, port, path and query, IPv6 literals), what it
// rejects (with the URL named in the message), and format_url's canonical form. Table-driven.
#include "loadgen/core/url.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "tests/support/refusal.h"

using lg::test::check_refused;

TEST_CASE("url: parse_url splits host, port and path", "[url]") {
  auto [url, host, port, path] = GENERATE(table<std::string, std::string, int, std::string>({
      {"http://127.0.0.1", "127.0.0.1", 80, "/"},
      {"http://127.0.0.1/", "127.0.0.1", 80, "/"},
      {"http://localhost", "localhost", 80, "/"},
      {"http://example.com:8080", "example.com", 8080, "/"},
      {"http://10.1.2.3:1", "10.1.2.3", 1, "/"},
      {"http://10.1.2.3:65535/", "10.1.2.3", 65535, "/"},
      {"http://h:080/x", "h", 80, "/x"},
      {"http://h/api/v1", "h", 80, "/api/v1"},
      {"http://h:9000/api/item?id=7&x=y", "h", 9000, "/api/item?id=7&x=y"},
      {"http://h?id=7", "h", 80, "/?id=7"},
      {"http://h:81?q", "h", 81, "/?q"},
      {"http://[::1]:8080", "::1", 8080, "/"},
      {"http://[::1]", "::1", 80, "/"},
      {"http://[2001:db8::7]:9/p?q=1", "2001:db8::7", 9, "/p?q=1"},
      {"http://[::ffff:10.0.0.1]", "::ffff:10.0.0.1", 80, "/"},
      {"http://my-host_1.example.COM:8080", "my-host_1.example.COM", 8080, "/"},
  }));
  CAPTURE(url);
  const auto got = lg::parse_url(url);
  REQUIRE(got.has_value());
  CHECK(got->target.host == host);
  CHECK(got->target.port == port);
  CHECK(got->path == path);
  CHECK(got->target.base_path.empty());  // the path is returned apart, not put in the target
}

TEST_CASE("url: https:// URLs are TLS targets on port 443 unless they say", "[url]") {
  auto [url, port, formatted] = GENERATE(table<std::string, int, std::string>({
      {"https://127.0.0.1", 443, "https://127.0.0.1"},
      {"https://h:8443/x", 8443, "https://h:8443"},
      {"https://h:80/", 80, "https://h:80"},
      {"https://[::1]:443", 443, "https://[::1]"},
  }));
  CAPTURE(url);
  const auto got = lg::parse_url(url);
  REQUIRE(got.has_value());
  CHECK(got->target.tls);
  CHECK(got->target.port == port);
  CHECK(lg::format_url(got->target) == formatted);
  const auto plain = lg::parse_url("http://h:443/");
  REQUIRE(plain.has_value());
  CHECK_FALSE(plain->target.tls);
  CHECK(lg::format_url(plain->target) == "http://h:443");
}

TEST_CASE("url: parse_url rejects what it cannot use, naming the URL and the reason", "[url]") {
  auto [url, why] = GENERATE(table<std::string, std::string>({
      {"https://", "missing host"},
      {"https://h:0", "port must be a number in 1..65535"},
      {"https:/h", "must start with http:// or https://"},
      {"127.0.0.1:8080", "must start with http:// or https://"},
      {"ftp://h", "must start with http:// or https://"},
      {"HTTPS//h", "must start with http:// or https://"},
      {"", "must start with http:// or https://"},
      {"http://", "missing host"},
      {"http:///path", "missing host"},
      {"http://?q=1", "missing host"},
      {"http://:8080", "missing host"},
      {"http://[]:8080", "missing host"},
      {"http://h:0", "port must be a number in 1..65535"},
      {"http://h:65536", "port must be a number in 1..65535"},
      {"http://h:99999999999", "port must be a number in 1..65535"},
      {"http://h:abc", "port must be a number in 1..65535"},
      {"http://h:", "port must be a number in 1..65535"},
      {"http://h:80x/", "port must be a number in 1..65535"},
      {"http://h:-1", "port must be a number in 1..65535"},
      {"http://h:+80", "port must be a number in 1..65535"},
      {"http://user@h", "user info is not supported"},
      {"http://user:pw@h:8080/x", "user info is not supported"},
      {"http://[::1", "unclosed '['"},
      {"http://[::1]x", "unexpected text after host"},
      {"http://h#frag", "invalid character in host"},
      {"http://a b:80", "invalid character in host"},
      {"http://h%41", "invalid character in host"},
      {"http://[::1%eth0]:80", "invalid character in host"},
  }));
  CAPTURE(url);
  check_refused(lg::parse_url(url), {"'" + url + "'", why, "accepted: http://HOST[:PORT][/PATH]"});
}

TEST_CASE("url: format_url writes the canonical form", "[url]") {
  auto [host, port, base, url] = GENERATE(table<std::string, int, std::string, std::string>({
      {"127.0.0.1", 80, "", "http://127.0.0.1"},
      {"127.0.0.1", 8080, "", "http://127.0.0.1:8080"},
      {"example.com", 1, "/api", "http://example.com:1/api"},
      {"example.com", 80, "/a/b", "http://example.com/a/b"},
      {"::1", 8080, "", "http://[::1]:8080"},
      {"::1", 80, "/x", "http://[::1]/x"},
  }));
  lg::Target t;
  t.host = host;
  t.port = static_cast<std::uint16_t>(port);
  t.base_path = base;
  CHECK(lg::format_url(t) == url);
}

TEST_CASE("url: format_url of a parsed URL gives the URL back", "[url]") {
  auto url = GENERATE(as<std::string>{}, "http://127.0.0.1", "http://h:8080", "http://[::1]:9",
                      "http://[2001:db8::7]", "http://example.com:65535");
  CAPTURE(url);
  const auto got = lg::parse_url(url);
  REQUIRE(got.has_value());
  CHECK(lg::format_url(got->target) == url);
}
