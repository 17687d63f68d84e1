// Blocking HTTP probe and loopback port helpers: response parsing (pure) and real loopback
// sockets (an in-test server, a listener that never answers, a closed port). All [unit]:
// nothing outside this process is needed.
#include "stack/http_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "tests/stack/tiny_http_server.h"
#include "tests/support/refusal.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using lg::stack::parse_http_reply;

// parse_http_reply refuses `bytes` with an error that contains `what`.
void fails(std::string_view bytes, const char* what) {
  INFO(bytes);
  lg::test::check_refused(parse_http_reply(bytes), {what});
}

// A listening socket on 127.0.0.1 that never accepts: connects succeed (the backlog takes
// them), requests are never answered.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  ~SilentListener() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("parse_http_reply: Content-Length, chunked and close-delimited bodies", "[unit]") {
  SECTION("Content-Length; bytes after the body are ignored") {
    const auto r = parse_http_reply(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nok web1\r\nXX");
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->reason == "OK");
    CHECK(r->body == "ok web1\r\n");
    REQUIRE(r->header("content-type") != nullptr);
    CHECK(*r->header("CONTENT-TYPE") == "text/plain");
    CHECK(r->header("X-Missing") == nullptr);
  }
  SECTION("chunked, with an extension and a trailer") {
    const auto r = parse_http_reply(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    REQUIRE(r.has_value());
    CHECK(r->body == "hello world");
  }
  SECTION("close-delimited") {
    const auto r = parse_http_reply("HTTP/1.0 503 Service Unavailable\r\n\r\n<html>busy</html>\n");
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(r->reason == "Service Unavailable");
    CHECK(r->body == "<html>busy</html>\n");
  }
  SECTION("204 has no body whatever follows; no reason phrase is fine") {
    const auto r = parse_http_reply("HTTP/1.1 204\r\nContent-Length: 5\r\n\r\n");
    REQUIRE(r.has_value());
    CHECK(r->status == 204);
    CHECK(r->reason.empty());
    CHECK(r->body.empty());
  }
  SECTION("interim 1xx responses are skipped") {
    const auto r = parse_http_reply(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    REQUIRE(r.has_value());
    CHECK(r->status == 201);
    CHECK(r->body == "{}");
    CHECK(r->header("Link") == nullptr);
  }
  SECTION("bare LF line ends are tolerated") {
    const auto r = parse_http_reply("HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
    REQUIRE(r.has_value());
    CHECK(r->body == "ok");
  }
}

TEST_CASE("parse_http_reply: truncated and malformed responses are errors", "[unit]") {
  fails("", "without a response");
  fails("HTTP/1.1 200 OK\r\nContent-Le", "inside the headers");
  fails("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "Content-Length");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "inside a chunk");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "chunk size");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n", "CRLF");
  fails("HTTP/1.1 100 Continue\r\n\r\n", "status line");
  fails("SSH-2.0-OpenSSH_9.2\r\n", "bad status line");
  fails("HTTP/1.1 2x0 OK\r\n\r\n", "bad status code");
  fails("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line");
  fails("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length");
  fails("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "conflicting");
}

TEST_CASE("parse_http_reply: garbage and short responses are errors, never replies", "[unit]") {
  // Not HTTP at all: the line is quoted, so a log says what answered.
  fails(std::string_view("\x16\x03\x01\x02\x00\x01", 6), "bad status line");  // a TLS hello
  fails(std::string_view("\0\0\0\0", 4), "bad status line");
  fails("<html>hello</html>\n", "bad status line: '<html>hello</html>'");
  fails("HTTP/2 200\r\n\r\n", "bad status line: 'HTTP/2 200'");
  fails("HTTP/1.1 20 OK\r\n\r\n", "bad status code");  // llhttp takes 2 digits; RFC 9112 not
  fails("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "bad Content-Length: '99999999999999999999999'");
  // Cut short: each names where the bytes stopped.
  fails("H", "inside the status line");
  fails("HTTP/1.1", "inside the status line");
  fails("HTTP/1.1 200 OK", "inside the status line");
  fails("\r\n", "inside the status line");
  fails("HTTP/1.1 200 OK\r\n", "inside the headers");
  fails("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "before Content-Length bytes of body");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "inside a chunk size");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello", "inside a chunk");
  fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n",
        "inside the chunked trailer");
  fails("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 2", "inside the status line");
}

TEST_CASE("HttpReplyReader: bytes split anywhere read as the whole", "[unit]") {
  const std::vector<std::string> replies = {
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nok web1\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A:  spaced  \r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}",
      "HTTP/1.0 503 Service Unavailable\r\n\r\n<html>busy</html>\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",  // bad
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",                                 // bad
  };
  // Fed in two parts split at `at`, then EOF.
  const auto read_split = [](const std::string& bytes,
                             std::size_t at) -> std::expected<lg::stack::HttpReply, std::string> {
    lg::stack::HttpReplyReader reader;
    for (const auto part :
         {std::string_view(bytes).substr(0, at), std::string_view(bytes).substr(at)}) {
      auto complete = reader.add(part);
      if (!complete) return std::unexpected(complete.error());
      if (*complete) return reader.take_reply();
    }
    if (auto ended = reader.finish(); !ended) return std::unexpected(ended.error());
    return reader.take_reply();
  };
  for (const auto& bytes : replies) {
    const auto whole = parse_http_reply(bytes);
    for (std::size_t at = 0; at <= bytes.size(); ++at) {
      INFO(bytes << "\nsplit at " << at);
      const auto split = read_split(bytes, at);
      REQUIRE(split.has_value() == whole.has_value());
      if (!whole) {
        CHECK(split.error() == whole.error());
        continue;
      }
      CHECK(split->status == whole->status);
      CHECK(split->reason == whole->reason);
      CHECK(split->headers == whole->headers);
      CHECK(split->body == whole->body);
    }
  }
  const auto chunked = parse_http_reply(replies[1]);
  REQUIRE(chunked.has_value());
  CHECK(chunked->body == "hello world");
  REQUIRE(chunked->header("X-A") != nullptr);
  CHECK(*chunked->header("X-A") == "spaced");      // trimmed both sides
  CHECK(chunked->header("X-Trailer") == nullptr);  // a trailer is not a header
}

TEST_CASE("http_get: a loopback server's reply, bounded errors otherwise", "[unit]") {
  SECTION("200 from a live server") {
    lg::stack::test::TinyHttpServer web;
    const auto r = lg::stack::http_get("127.0.0.1", web.port(), "/health", 2000ms);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == "ok\n");
    CHECK(web.requests() == 1);
  }
  SECTION("connection refused") {
    lg::stack::test::TinyHttpServer web;
    const auto port = web.port();
    web.stop();  // the port is closed now
    const auto r = lg::stack::http_get("127.0.0.1", port, "/health", 2000ms);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("refused") &&
                              Catch::Contains("127.0.0.1:" + std::to_string(port) + "/health"));
  }
  SECTION("a server that never answers costs one timeout") {
    SilentListener silent;
    const auto t0 = Clock::now();
    const auto r = lg::stack::http_get("127.0.0.1", silent.port(), "/health", 150ms);
    const auto took = Clock::now() - t0;
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("within 150 ms"));
    CHECK(took >= 140ms);
    CHECK(took < 1500ms);
  }
  SECTION("a slow answer past the timeout is an error") {
    lg::stack::test::TinyHttpServer web;
    const auto r = lg::stack::http_get("127.0.0.1", web.port(), "/slow?ms=1000", 100ms);
    REQUIRE_FALSE(r.has_value());
  }
  SECTION("garbage or a cut response from the server is an error naming it") {
    lg::stack::test::TinyHttpServer ssh("SSH-2.0-OpenSSH_9.2\r\n");
    const auto r = lg::stack::http_get("127.0.0.1", ssh.port(), "/health", 2000ms);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error(), Catch::Contains("bad status line: 'SSH-2.0-OpenSSH_9.2'") &&
                              Catch::Contains("127.0.0.1:" + std::to_string(ssh.port())));
    lg::stack::test::TinyHttpServer cut("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    const auto c = lg::stack::http_get("127.0.0.1", cut.port(), "/health", 2000ms);
    REQUIRE_FALSE(c.has_value());
    CHECK_THAT(c.error(), Catch::Contains("connection closed before Content-Length bytes"));
    lg::stack::test::TinyHttpServer silent_close("");
    const auto e = lg::stack::http_get("127.0.0.1", silent_close.port(), "/health", 2000ms);
    REQUIRE_FALSE(e.has_value());
    CHECK_THAT(e.error(), Catch::Contains("server closed without a response"));
  }
  SECTION("bad arguments") {
    CHECK_FALSE(lg::stack::http_get("localhost", 80, "/", 100ms).has_value());
    CHECK_FALSE(lg::stack::http_get("127.0.0.1", 80, "health", 100ms).has_value());
    CHECK_FALSE(lg::stack::http_get("127.0.0.1", 80, "/a b", 100ms).has_value());
    CHECK_FALSE(lg::stack::http_get("127.0.0.1", 80, "/a\r\nX: y", 100ms).has_value());
  }
}

TEST_CASE("tcp_port_free and find_free_port_block see listeners", "[unit]") {
  SilentListener taken;
  CHECK_FALSE(lg::stack::tcp_port_free(taken.port()));
  CHECK_FALSE(lg::stack::tcp_port_free(0));

  // A block that contains the taken port is skipped; the next one is chosen.
  const auto first = static_cast<std::uint16_t>(taken.port() - 1);
  const auto base = lg::stack::find_free_port_block(first, 4, 50);
  REQUIRE(base.has_value());
  CHECK(*base >= first + 4);
  CHECK((*base - first) % 4 == 0);
  for (std::uint32_t p = *base; p < *base + 4u; ++p) {
    CHECK(lg::stack::tcp_port_free(static_cast<std::uint16_t>(p)));
  }

  // Only the taken block to look at: no answer.
  const auto none = lg::stack::find_free_port_block(taken.port(), 1, 1);
  REQUIRE_FALSE(none.has_value());
  CHECK_THAT(none.error(), Catch::Contains("no block of 1"));

  // Blocks never run past 65535.
  CHECK_FALSE(lg::stack::find_free_port_block(65530, 10, 5).has_value());
  CHECK_FALSE(lg::stack::find_free_port_block(18000, 0, 5).has_value());
  CHECK_FALSE(lg::stack::find_free_port_block(18000, 64, 0).has_value());
}
