#include "loadgen/http/response_parser.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// Golden traces live in tests/data/http/*.trace (format described at the top of each file):
// raw response bytes, the requests the client waits for, whether the server closes, and the
// expected events. Each case is fed whole, one byte at a time, and split into two chunks at every
// offset; the events must be the same every time.

std::size_t lg_http_test_allocations();  // request_template_test.cpp

namespace {

using lg::http::ResponseParser;
using Status = ResponseParser::Status;

struct TraceCase {
  std::string name;
  int line = 0;             // of "case:", for failure messages
  std::vector<bool> heads;  // one per response the client waits for (true: HEAD)
  std::string bytes;        // what the server sends
  bool eof = false;         // the server closes after the bytes
  std::vector<std::string> expected;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Expands \r \n \t \\ and \xHH.
std::string unescape(std::string_view s, int line) {
  INFO("line " << line);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    REQUIRE(i + 1 < s.size());
    switch (s[++i]) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      default: {
        REQUIRE(s[i] == 'x');
        REQUIRE(i + 2 < s.size());
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        REQUIRE((hi >= 0 && lo >= 0));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
  }
  return out;
}

std::optional<std::string_view> field(std::string_view line, std::string_view key) {
  if (!line.starts_with(key)) return std::nullopt;
  line.remove_prefix(key.size());
  return line;
}

std::vector<TraceCase> load_traces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("opening " << path << " (tests run from the repository root)");
  REQUIRE(in.good());
  std::vector<TraceCase> cases;
  std::string raw;
  int n = 0;
  while (std::getline(in, raw)) {
    ++n;
    const std::string_view line = raw;
    if (line.empty() || line.front() == '#') continue;
    if (auto v = field(line, "case: ")) {
      cases.push_back(TraceCase{std::string(*v), n, {}, {}, false, {}});
      continue;
    }
    INFO(path << ":" << n << ": " << raw);
    REQUIRE_FALSE(cases.empty());
    TraceCase& c = cases.back();
    if (auto r = field(line, "request: ")) {
      REQUIRE((*r == "GET" || *r == "HEAD"));
      c.heads.push_back(*r == "HEAD");
    } else if (auto b = field(line, "bytes: ")) {
      c.bytes += unescape(*b, n);
    } else if (line == "eof") {
      c.eof = true;
    } else if (auto e = field(line, "expect: ")) {
      c.expected.emplace_back(*e);
    } else {
      FAIL("unknown line");
    }
  }
  for (auto& c : cases) {
    if (c.heads.empty()) c.heads.push_back(false);
  }
  return cases;
}

std::string complete_event(const ResponseParser& p) {
  std::ostringstream s;
  s << "complete status=" << p.status_code() << " keep_alive=" << (p.keep_alive() ? "yes" : "no")
    << " body=" << p.body_bytes();
  return s.str();
}

std::string error_event(const ResponseParser& p, std::string at) {
  const auto e = p.error();
  return "error " + std::string(e.name) + " at=" + at + " reason=\"" + std::string(e.reason) + "\"";
}

// Feeds `chunks` (which concatenate to c.bytes) the way a connection would, and returns the
// events. Checks the per-call contract on the way (kNeedMore consumes everything).
std::vector<std::string> run_trace(const TraceCase& c,
                                   const std::vector<std::string_view>& chunks) {
  std::vector<std::string> events;
  ResponseParser p;
  std::size_t response = 0;
  p.expect_response(c.heads[0]);
  std::size_t chunk_start = 0;  // absolute offset of the current chunk
  for (const auto chunk : chunks) {
    std::size_t off = 0;
    do {
      const auto r = p.feed(chunk.data() + off, chunk.size() - off);
      REQUIRE(r.consumed <= chunk.size() - off);
      if (r.status == Status::kError) {
        events.push_back(error_event(p, std::to_string(chunk_start + off + p.error().offset)));
        return events;
      }
      if (r.status == Status::kNeedMore) {
        REQUIRE(r.consumed == chunk.size() - off);
        break;
      }
      off += r.consumed;
      events.push_back(complete_event(p));
      CHECK_FALSE(p.in_message());
      if (++response == c.heads.size()) {
        const std::size_t extra = c.bytes.size() - (chunk_start + off);
        if (extra > 0) events.push_back("extra " + std::to_string(extra));
        return events;
      }
      p.expect_response(c.heads[response]);
    } while (off < chunk.size());
    chunk_start += chunk.size();
  }
  if (!c.eof) {
    events.push_back(std::string("need-more in_message=") + (p.in_message() ? "yes" : "no"));
    return events;
  }
  const auto r = p.finish();
  if (r.status == Status::kComplete)
    events.push_back(complete_event(p));
  else if (r.status == Status::kError)
    events.push_back(error_event(p, "eof"));
  else
    events.push_back("closed");
  return events;
}

void check_trace_file(const std::string& file) {
  const auto cases = load_traces("tests/data/http/" + file);
  REQUIRE_FALSE(cases.empty());
  for (const auto& c : cases) {
    INFO(file << ":" << c.line << ": case " << c.name);
    REQUIRE_FALSE(c.expected.empty());
    const std::string_view all = c.bytes;
    {
      INFO("fed whole");
      CHECK(run_trace(c, {all}) == c.expected);
    }
    {
      INFO("fed one byte at a time");
      std::vector<std::string_view> bytes;
      for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
      CHECK(run_trace(c, bytes) == c.expected);
    }
    for (std::size_t k = 1; k < all.size(); ++k) {
      INFO("split at " << k);
      const auto events = run_trace(c, {all.substr(0, k), all.substr(k)});
      CHECK(events == c.expected);
      if (events != c.expected) break;  // one failing split is enough to read
    }
  }
}

ResponseParser::Result feed(ResponseParser& p, std::string_view s) {
  return p.feed(s.data(), s.size());
}

}  // namespace

TEST_CASE("response parser: Content-Length traces", "[http][golden]") {
  check_trace_file("content_length.trace");
}

TEST_CASE("response parser: chunked traces", "[http][golden]") {
  check_trace_file("chunked.trace");
}

TEST_CASE("response parser: close-delimited traces and EOF", "[http][golden]") {
  check_trace_file("close_delimited.trace");
}

TEST_CASE("response parser: HEAD traces", "[http][golden]") {
  check_trace_file("head.trace");
}

TEST_CASE("response parser: 204 and 304 traces", "[http][golden]") {
  check_trace_file("no_body.trace");
}

TEST_CASE("response parser: interim 1xx and 101 traces", "[http][golden]") {
  check_trace_file("interim.trace");
}

TEST_CASE("response parser: keep-alive traces (Connection, HTTP/1.0)", "[http][golden]") {
  check_trace_file("keep_alive.trace");
}

TEST_CASE("response parser: malformed response traces", "[http][golden]") {
  check_trace_file("errors.trace");
}

TEST_CASE("response parser: is neither copyable nor movable", "[http]") {
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<ResponseParser>);
  STATIC_REQUIRE_FALSE(std::is_move_constructible_v<ResponseParser>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<ResponseParser>);
}

TEST_CASE("response parser: error offset is within the failing chunk and errors are sticky",
          "[http]") {
  ResponseParser p;
  p.expect_response(false);
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nServer: x\r\n").status == Status::kNeedMore);
  const auto r = feed(p, "X: 1\r\nContent-Length: 1a\r\n\r\n");
  REQUIRE(r.status == Status::kError);
  CHECK(p.error().name == "HPE_INVALID_CONTENT_LENGTH");
  CHECK(p.error().reason == "Invalid character in Content-Length");
  CHECK(p.error().offset == 23);  // the 'a', counted from the start of the second chunk
  CHECK(feed(p, "HTTP/1.1 200 OK\r\n").status == Status::kError);  // until expect_response
  CHECK(p.finish().status == Status::kError);

  p.expect_response(false);
  CHECK(feed(p, "HTTP/1.1 204 No Content\r\n\r\n").status == Status::kComplete);
  CHECK(p.status_code() == 204);
}

TEST_CASE("response parser: the last response's results stay until the next one completes",
          "[http]") {
  ResponseParser p;
  p.expect_response(false);
  CHECK_FALSE(p.in_message());
  CHECK(feed(p, "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc").status ==
        Status::kComplete);
  CHECK(p.finish().status == Status::kNeedMore);  // EOF between responses is clean
  p.expect_response(false);
  CHECK(feed(p, "HTTP/1.1 503 Busy\r\nContent-Le").status == Status::kNeedMore);
  CHECK(p.in_message());
  CHECK(p.status_code() == 201);
  CHECK(p.body_bytes() == 3);
  CHECK(feed(p, "ngth: 0\r\nConnection: close\r\n\r\n").status == Status::kComplete);
  CHECK(p.status_code() == 503);
  CHECK(p.body_bytes() == 0);
  CHECK_FALSE(p.keep_alive());
}

TEST_CASE(
    "response parser: feeding after a final response without expect_response consumes "
    "nothing",
    "[http]") {
  ResponseParser p;
  CHECK(feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").status == Status::kComplete);
  const auto r = feed(p, "HTTP/1.1 200 OK\r\n");
  CHECK(r.status == Status::kComplete);
  CHECK(r.consumed == 0);
}

TEST_CASE("response parser: parsing responses does not allocate", "[http]") {
  ResponseParser p;
  const std::string_view resps[] = {
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
      "HTTP/1.1 404 Not Found\r\n\r\nclose-delimited",
      "HTTP/1.1 2x0 OK\r\n\r\n",
  };
  int completed = 0;
  const std::size_t before = lg_http_test_allocations();
  for (int i = 0; i < 100; ++i) {
    for (const auto r : resps) {
      p.expect_response(false);
      for (const char c : r) p.feed(&c, 1);
      completed += p.finish().status == Status::kComplete ? 1 : 0;
    }
  }
  CHECK(lg_http_test_allocations() == before);
  CHECK(completed == 100);  // the close-delimited one
}

TEST_CASE("response parser: many keep-alive responses on one parser", "[http]") {
  ResponseParser p;
  const std::string_view resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (int i = 0; i < 10'000; ++i) {
    p.expect_response(false);
    const auto r = feed(p, resp);
    REQUIRE(r.status == Status::kComplete);
    REQUIRE(r.consumed == resp.size());
    REQUIRE(p.body_bytes() == 2);
    REQUIRE(p.keep_alive());
  }
}
