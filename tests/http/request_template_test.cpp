#include "loadgen/http/request_template.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <set>
#include <string>
#include <vector>

// Counts operator new calls so that the hot paths (render here, ResponseParser::feed in
// response_parser_test.cpp) can be checked not to allocate. Replaces the global operator new of
// the tests_http binary only.
namespace {
thread_local std::size_t g_allocations = 0;
}  // namespace

std::size_t lg_http_test_allocations() {
  return g_allocations;
}

// Every non-aligned form is replaced, so that new and delete always pair (ASan checks it).
// GCC 12 cannot see that these replacements pair malloc with free and warns after inlining.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return ::operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n != 0 ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace {

using lg::RequestSpec;
using lg::Target;
using lg::http::RequestMix;
using lg::http::RequestTemplate;

constexpr std::string_view kUa = "loadgen/0.1.0";

Target local_target(std::uint16_t port = 8080) {
  Target t;
  t.host = "127.0.0.1";
  t.port = port;
  return t;
}

RequestSpec spec(std::string method, std::string path, std::string body = {}) {
  RequestSpec s;
  s.method = std::move(method);
  s.path = std::move(path);
  s.body = std::move(body);
  return s;
}

RequestTemplate compile_ok(const RequestSpec& s, const Target& t = local_target(),
                           std::string_view ua = kUa) {
  auto r = RequestTemplate::compile(s, t, ua);
  INFO((r ? std::string() : r.error()));
  REQUIRE(r.has_value());
  return std::move(*r);
}

std::string render(const RequestTemplate& t, std::uint64_t seq, std::uint64_t seed = 1) {
  std::string out(t.max_size(), '\0');
  const std::size_t n = t.render(seq, seed, out.data(), out.size());
  REQUIRE(n <= t.max_size());
  out.resize(n);
  return out;
}

// The body of a rendered request, and the value of its Content-Length header (-1 if absent).
struct Split {
  std::string head;
  std::string body;
  long long content_length = -1;
};

Split split_request(const std::string& req) {
  Split s;
  const auto end = req.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  s.head = req.substr(0, end + 4);
  s.body = req.substr(end + 4);
  const auto cl = s.head.find("\r\nContent-Length: ");
  if (cl != std::string::npos) {
    s.content_length = std::stoll(s.head.substr(cl + 18));
  }
  return s;
}

// The number between `prefix` and the next byte that is not a digit.
std::uint64_t number_after(const std::string& s, std::string_view prefix) {
  const auto at = s.find(prefix);
  REQUIRE(at != std::string::npos);
  return std::stoull(s.substr(at + prefix.size()));
}

std::string compile_error(const RequestSpec& s, const Target& t = local_target(),
                          std::string_view ua = kUa) {
  auto r = RequestTemplate::compile(s, t, ua);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("request template: a static GET is exactly the expected bytes", "[http]") {
  const auto t = compile_ok(spec("GET", "/api/item?id=1"));
  const std::string expected =
      "GET /api/item?id=1 HTTP/1.1\r\n"
      "Host: 127.0.0.1:8080\r\n"
      "User-Agent: loadgen/0.1.0\r\n"
      "\r\n";
  CHECK(t.is_static());
  CHECK_FALSE(t.is_head());
  CHECK(t.bytes() == expected);
  CHECK(t.max_size() == expected.size());
  CHECK(render(t, 0) == expected);
  CHECK(render(t, 99, 7) == expected);
}

TEST_CASE("request template: Host, base path, headers and user agent", "[http]") {
  SECTION("port 80 is left out of Host") {
    const auto t = compile_ok(spec("GET", "/"), local_target(80));
    CHECK(t.bytes() == "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: loadgen/0.1.0\r\n\r\n");
  }
  SECTION("host_header wins over host:port, base_path prefixes the path (one slash)") {
    Target target = local_target();
    target.host_header = "shop.example";
    target.base_path = "/v2/";
    const auto t = compile_ok(spec("GET", "/items"), target);
    CHECK(t.bytes() ==
          "GET /v2/items HTTP/1.1\r\nHost: shop.example\r\n"
          "User-Agent: loadgen/0.1.0\r\n\r\n");
  }
  SECTION("an IPv6 literal is bracketed") {
    Target target = local_target();
    target.host = "::1";
    const auto t = compile_ok(spec("GET", "/"), target);
    CHECK(std::string(t.bytes()).find("\r\nHost: [::1]:8080\r\n") != std::string::npos);
  }
  SECTION("extra headers are sent in order, as given") {
    RequestSpec s = spec("GET", "/");
    s.headers = {{"Accept", "application/json"}, {"X-Trace", "a b\tc"}};
    const auto t = compile_ok(s, local_target(), "");
    CHECK(t.bytes() ==
          "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
          "Accept: application/json\r\nX-Trace: a b\tc\r\n\r\n");
  }
  SECTION("the request's own Host and User-Agent replace the defaults") {
    RequestSpec s = spec("GET", "/");
    s.headers = {{"user-agent", "curl/8"}, {"X-A", "1"}, {"HOST", "other.example"}};
    const auto t = compile_ok(s);
    CHECK(t.bytes() ==
          "GET / HTTP/1.1\r\nHost: other.example\r\n"
          "User-Agent: curl/8\r\nX-A: 1\r\n\r\n");
  }
}

TEST_CASE("request template: bodies get a Content-Length", "[http]") {
  SECTION("static body") {
    const auto t = compile_ok(spec("POST", "/api/item", "{\"a\":1}"));
    CHECK(t.is_static());
    CHECK(t.bytes() ==
          "POST /api/item HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
          "User-Agent: loadgen/0.1.0\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  }
  SECTION("POST, PUT and PATCH without a body send Content-Length: 0") {
    for (const char* m : {"POST", "PUT", "PATCH"}) {
      CAPTURE(m);
      const auto t = compile_ok(spec(m, "/x"));
      CHECK(split_request(std::string(t.bytes())).content_length == 0);
    }
  }
  SECTION("GET and DELETE without a body send no Content-Length") {
    for (const char* m : {"GET", "DELETE", "HEAD"}) {
      CAPTURE(m);
      CHECK(split_request(std::string(compile_ok(spec(m, "/x")).bytes())).content_length == -1);
    }
  }
}

TEST_CASE("request template: HEAD is flagged", "[http]") {
  CHECK(compile_ok(spec("HEAD", "/")).is_head());
  CHECK_FALSE(compile_ok(spec("head", "/")).is_head());  // methods are case-sensitive
}

TEST_CASE("request template: {{seq}} renders the arrival's sequence number", "[http]") {
  const auto t = compile_ok(spec("GET", "/item/{{seq}}/x?s={{ seq }}"));
  CHECK_FALSE(t.is_static());
  CHECK(t.bytes().empty());
  CHECK(render(t, 0).starts_with("GET /item/0/x?s=0 HTTP/1.1\r\n"));
  CHECK(render(t, 1234567).starts_with("GET /item/1234567/x?s=1234567 HTTP/1.1\r\n"));
  const auto max = std::numeric_limits<std::uint64_t>::max();
  const std::string big = render(t, max);
  CHECK(big.starts_with("GET /item/18446744073709551615/x?s=18446744073709551615 HTTP/1.1\r\n"));
  CHECK(big.size() == t.max_size());  // the bound is tight for the largest seq
}

TEST_CASE("request template: {{rand A B}} is in range, deterministic and varies", "[http]") {
  const auto t = compile_ok(spec("GET", "/r?v={{rand 1 10}}"));
  std::set<std::uint64_t> seen;
  for (std::uint64_t seq = 0; seq < 10'000; ++seq) {
    const std::string req = render(t, seq, 42);
    const std::uint64_t v = number_after(req, "?v=");
    CHECK((v >= 1 && v <= 10));
    seen.insert(v);
    if (seq % 1000 == 0) CHECK(render(t, seq, 42) == req);  // same (seed, seq), same bytes
  }
  CHECK(seen.size() == 10);  // every value of the range shows up

  std::vector<std::string> seed1, seed2;
  for (std::uint64_t seq = 0; seq < 64; ++seq) {
    seed1.push_back(render(t, seq, 1));
    seed2.push_back(render(t, seq, 2));
  }
  CHECK(seed1 != seed2);  // the seed matters

  SECTION("A == B is a constant; the full range is accepted") {
    const auto c = compile_ok(spec("GET", "/{{rand 7 7}}/{{rand 0 9223372036854775807}}"));
    for (std::uint64_t seq = 0; seq < 100; ++seq) CHECK(render(c, seq).starts_with("GET /7/"));
  }
  SECTION("two placeholders in one request draw independently") {
    const auto two = compile_ok(spec("GET", "/{{rand 0 1000000}}/{{rand 0 1000000}}"));
    int equal = 0;
    for (std::uint64_t seq = 0; seq < 1000; ++seq) {
      const std::string req = render(two, seq);
      const auto a = number_after(req, "GET /");
      const auto b = number_after(req, "GET /" + std::to_string(a) + "/");
      equal += a == b ? 1 : 0;
    }
    CHECK(equal < 5);
  }
}

TEST_CASE("request template: a body with placeholders gets the right Content-Length per render",
          "[http]") {
  const auto t = compile_ok(spec("POST", "/api/item", "{\"id\":{{seq}},\"n\":{{rand 0 100000}}}"));
  CHECK_FALSE(t.is_static());
  for (std::uint64_t seq : {0ULL, 9ULL, 10ULL, 123456ULL, 18446744073709551615ULL}) {
    CAPTURE(seq);
    const std::string req = render(t, seq, 3);
    const Split s = split_request(req);
    CHECK(s.content_length == static_cast<long long>(s.body.size()));
    CHECK(s.body.starts_with("{\"id\":" + std::to_string(seq) + ",\"n\":"));
    CHECK(req.size() <= t.max_size());
  }
}

TEST_CASE("request template: render does not allocate", "[http]") {
  const auto t = compile_ok(spec("POST", "/i/{{seq}}?r={{rand 1 1000}}", "{\"n\":{{rand 0 9}}}"));
  std::vector<char> buf(t.max_size());
  std::size_t total = 0;
  const std::size_t before = lg_http_test_allocations();
  for (std::uint64_t seq = 0; seq < 1000; ++seq) total += t.render(seq, 9, buf.data(), buf.size());
  CHECK(lg_http_test_allocations() == before);
  CHECK(total > 0);
}

TEST_CASE("request template: render refuses a buffer smaller than max_size", "[http]") {
  const auto t = compile_ok(spec("GET", "/{{seq}}"));
  std::string out(t.max_size() - 1, 'x');
  CHECK(t.render(1, 1, out.data(), out.size()) == 0);
  CHECK(out == std::string(t.max_size() - 1, 'x'));
}

TEST_CASE("request template: validation errors name the field, the value and what is accepted",
          "[http]") {
  struct Row {
    const char* what;
    RequestSpec spec;
    std::vector<const char*> expected;  // substrings of the error
  };
  auto with_header = [](std::string name, std::string value) {
    RequestSpec s;
    s.headers = {{std::move(name), std::move(value)}};
    return s;
  };
  auto with_weight = [](std::uint32_t w) {
    RequestSpec s;
    s.weight = w;
    return s;
  };
  const std::vector<Row> rows = {
      {"empty method", spec("", "/"), {"method: is empty", "accepted"}},
      {"method with a space", spec("GE T", "/"), {"method: \"GE T\" is not a token", "accepted"}},
      {"path without slash", spec("GET", "api"), {"path: \"api\" must start with '/'"}},
      {"empty path", spec("GET", ""), {"path: \"\" must start with '/'"}},
      {"space in path", spec("GET", "/a b"), {"path: \"/a b\" has a space at byte 2", "%20"}},
      {"CR in path", spec("GET", "/a\r\nX: 1"), {"path: \"/a\\r\\nX: 1\" has a CR at byte 2"}},
      {"unknown placeholder",
       spec("GET", "/{{foo}}"),
       {"path: unknown placeholder \"{{foo}}\"", "accepted: {{seq}}, {{rand A B}}"}},
      {"unclosed placeholder", spec("GET", "/{{seq"), {"path: \"{{seq\" is not closed by \"}}\""}},
      {"seq with an argument",
       spec("GET", "/{{seq 1}}"),
       {"\"{{seq 1}}\": seq takes no arguments"}},
      {"rand with A > B",
       spec("GET", "/{{rand 5 1}}"),
       {"path: \"{{rand 5 1}}\": A (5) is greater than B (1)", "0 <= A <= B < 2^63"}},
      {"rand with a non-number",
       spec("GET", "/{{rand x 3}}"),
       {"\"{{rand x 3}}\": \"x\" is not an integer in [0, 2^63)"}},
      {"rand with a negative number",
       spec("GET", "/{{rand -1 3}}"),
       {"\"-1\" is not an integer in [0, 2^63)"}},
      {"rand at 2^63",
       spec("GET", "/{{rand 0 9223372036854775808}}"),
       {"\"9223372036854775808\" is not an integer in [0, 2^63)"}},
      {"rand with one bound", spec("GET", "/{{rand 3}}"), {"rand takes two integers A and B"}},
      {"bad placeholder in body",
       spec("POST", "/", "x={{rnd 1 2}}"),
       {"body: unknown placeholder \"{{rnd 1 2}}\""}},
      {"weight 0", with_weight(0), {"weight: 0 is not accepted", ">= 1"}},
      {"header name with a space",
       with_header("X Foo", "1"),
       {"headers[0]: name \"X Foo\" is not a token", "accepted"}},
      {"header name with a colon", with_header("X:Foo", "1"), {"headers[0]: name \"X:Foo\""}},
      {"empty header name", with_header("", "1"), {"headers[0]: name is empty"}},
      {"LF in header value",
       with_header("X-A", "1\nX-B: 2"),
       {"headers[0]: value of \"X-A\" \"1\\nX-B: 2\" has a LF at byte 1", "no CR, LF"}},
      {"user Content-Length",
       with_header("content-length", "5"),
       {"headers[0]: \"content-length\" is computed from the body"}},
      {"user Transfer-Encoding",
       with_header("Transfer-Encoding", "chunked"),
       {"headers[0]: \"Transfer-Encoding\" is not supported"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    const std::string err = compile_error(row.spec);
    CAPTURE(err);
    for (const char* e : row.expected) CHECK(err.find(e) != std::string::npos);
  }
}

TEST_CASE("request template: a second Host or User-Agent header is an error", "[http]") {
  RequestSpec s;
  s.headers = {{"Host", "a"}, {"X", "1"}, {"host", "b"}};
  CHECK(compile_error(s) ==
        "headers[2]: second \"host\" header (the first is headers[0]); a request sends one");
}

TEST_CASE("request template: target and user agent errors", "[http]") {
  Target bad_base = local_target();
  bad_base.base_path = "v2";
  CHECK(compile_error(RequestSpec{}, bad_base).starts_with("target.base_path: \"v2\" must be"));
  Target no_host = local_target();
  no_host.host = "";
  CHECK(compile_error(RequestSpec{}, no_host).starts_with("target.host: is empty"));
  Target bad_host_header = local_target();
  bad_host_header.host_header = "a\r\nb";
  CHECK(compile_error(RequestSpec{}, bad_host_header).starts_with("target.host_header: value"));
  CHECK(compile_error(RequestSpec{}, local_target(), "ua\n").starts_with("user_agent: value"));
}

TEST_CASE("request template: every problem of a request is reported, one per line", "[http]") {
  RequestSpec s = spec("G T", "x");
  s.weight = 0;
  const std::string err = compile_error(s);
  CHECK(err.find("method: ") == 0);
  CHECK(err.find("\npath: ") != std::string::npos);
  CHECK(err.find("\nweight: ") != std::string::npos);
}

TEST_CASE("request mix: weights are honoured over 100k picks within 2 %", "[http]") {
  std::vector<RequestSpec> specs(3);
  specs[0].path = "/a";
  specs[0].weight = 1;
  specs[1].path = "/b";
  specs[1].weight = 3;
  specs[2].path = "/c";
  specs[2].weight = 6;
  auto mix = RequestMix::compile(specs, local_target(), kUa);
  REQUIRE(mix.has_value());
  REQUIRE(mix->size() == 3);
  CHECK(mix->at(1).bytes().starts_with("GET /b "));

  constexpr std::uint64_t kPicks = 100'000;
  std::vector<std::uint64_t> counts(3, 0);
  for (std::uint64_t seq = 0; seq < kPicks; ++seq) ++counts.at(mix->pick(seq, 20240601));
  const double expected[] = {0.1, 0.3, 0.6};
  for (std::size_t i = 0; i < 3; ++i) {
    const double share = static_cast<double>(counts[i]) / static_cast<double>(kPicks);
    CAPTURE(i, share);
    CHECK(share == Approx(expected[i]).epsilon(0.02));
  }
  for (std::uint64_t seq = 0; seq < 1000; ++seq) {
    CHECK(mix->pick(seq, 5) == mix->pick(seq, 5));  // a pure function of (seed, seq)
  }
}

TEST_CASE("request mix: one request is always picked, and max_size covers every template",
          "[http]") {
  std::vector<RequestSpec> one{spec("GET", "/only")};
  auto mix = RequestMix::compile(one, local_target(), kUa);
  REQUIRE(mix.has_value());
  for (std::uint64_t seq = 0; seq < 100; ++seq) CHECK(mix->pick(seq, seq * 31) == 0);

  std::vector<RequestSpec> two{spec("GET", "/"), spec("POST", "/p", "{{seq}}")};
  auto mix2 = RequestMix::compile(two, local_target(), kUa);
  REQUIRE(mix2.has_value());
  CHECK(mix2->max_size() == std::max(mix2->at(0).max_size(), mix2->at(1).max_size()));
}

TEST_CASE("request mix: errors name the request index", "[http]") {
  std::vector<RequestSpec> specs{spec("GET", "/"), spec("GET", "/"), spec("GET", "/{{foo}}")};
  specs[1].weight = 0;
  auto mix = RequestMix::compile(specs, local_target(), kUa);
  REQUIRE_FALSE(mix.has_value());
  CHECK(mix.error().starts_with("requests[1].weight: 0 is not accepted"));
  CHECK(mix.error().find("\nrequests[2].path: unknown placeholder \"{{foo}}\"") !=
        std::string::npos);

  CHECK(RequestMix::compile({}, local_target(), kUa).error() ==
        "requests: is empty (accepted: at least one request)");
  Target bad = local_target();
  bad.base_path = "x";
  CHECK(RequestMix::compile(specs, bad, kUa).error().starts_with("target.base_path: "));
}
