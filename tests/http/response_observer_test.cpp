// ResponseParser with a ResponseObserver (what the stack's probes use): every part of a response
// reaches the observer in order, pieces of one part join up however the bytes are split, and
// lenient headers take a bare LF. The counting results are the same as without an observer.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "loadgen/http/response_parser.h"

namespace {

using lg::http::ResponseParser;
using Status = ResponseParser::Status;

// One line per event; the parts of a span joined into one "name=..." event.
class Recorder final : public lg::http::ResponseObserver {
 public:
  std::string log;

  void on_response_begin() noexcept override { event("begin"); }
  void on_reason(std::string_view part) noexcept override { span("reason", part); }
  void on_status_line_end() noexcept override { event("status-line-end"); }
  void on_header_name(std::string_view part) noexcept override { span("name", part); }
  void on_header_value(std::string_view part) noexcept override { span("value", part); }
  void on_header_end() noexcept override { event("header-end"); }
  void on_headers_end(int status_code) noexcept override {
    event("headers-end " + std::to_string(status_code));
  }
  void on_chunk_begin(std::uint64_t size) noexcept override {
    event("chunk " + std::to_string(size));
  }
  void on_body(std::string_view part) noexcept override { span("body", part); }
  void on_chunk_end() noexcept override { event("chunk-end"); }

 private:
  void event(const std::string& e) {
    log += "\n" + e;
    open_.clear();
  }
  void span(const std::string& kind, std::string_view part) {
    if (open_ != kind) {
      log += "\n" + kind + "=";
      open_ = kind;
    }
    log.append(part);
  }
  std::string open_;  // the kind of span the last piece belonged to
};

// Feeds `bytes` in two parts split at `at`; the recorder's log and the final status.
std::pair<std::string, Status> feed_split(std::string_view bytes, std::size_t at) {
  Recorder r;
  ResponseParser parser(&r);
  parser.expect_response(false);
  auto result = parser.feed(bytes.data(), at);
  if (result.status == Status::kNeedMore) {
    result = parser.feed(bytes.data() + at, bytes.size() - at);
  }
  return {r.log, result.status};
}

}  // namespace

TEST_CASE("response observer: every part in order, the same however the bytes are split",
          "[http]") {
  const std::string bytes =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 200 Fine Thanks\r\nTransfer-Encoding: chunked\r\nX-Empty:\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n";
  const std::string expected =
      "\nbegin\nreason=Continue\nstatus-line-end\nheaders-end 100"
      "\nbegin\nreason=Fine Thanks\nstatus-line-end"
      "\nname=Transfer-Encoding\nvalue=chunked\nheader-end"
      "\nname=X-Empty\nvalue=\nheader-end\nheaders-end 200"
      "\nchunk 5\nbody=hello\nchunk-end\nchunk 0"
      "\nname=X-Trailer\nvalue=t\nheader-end\nchunk-end";
  for (std::size_t at = 0; at <= bytes.size(); ++at) {
    INFO("split at " << at);
    const auto [log, status] = feed_split(bytes, at);
    CHECK(status == Status::kComplete);
    CHECK(log == expected);
  }
}

TEST_CASE("response observer: counting results equal the parser's without one", "[http]") {
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  Recorder r;
  ResponseParser observed(&r);
  ResponseParser plain;
  for (ResponseParser* p : {&observed, &plain}) {
    p->expect_response(false);
    const auto result = p->feed(bytes.data(), bytes.size());
    CHECK(result.status == Status::kComplete);
    CHECK(result.consumed == bytes.size());
    CHECK(p->status_code() == 200);
    CHECK(p->body_bytes() == 5);
    CHECK(p->keep_alive());
  }
}

TEST_CASE("response parser: lenient headers take a bare LF, strict ones refuse it", "[http]") {
  const std::string bytes = "HTTP/1.1 200 OK\nContent-Length: 2\n\nok";
  ResponseParser strict;
  strict.expect_response(false);
  CHECK(strict.feed(bytes.data(), bytes.size()).status == Status::kError);

  ResponseParser lenient;
  lenient.set_lenient_headers(true);
  lenient.expect_response(false);  // the flag survives
  CHECK(lenient.feed(bytes.data(), bytes.size()).status == Status::kComplete);
  CHECK(lenient.body_bytes() == 2);
}
