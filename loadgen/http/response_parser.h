// HTTP/1.1 response parsing over llhttp 8.1, one parser per connection, one request in flight.
//
// The parser stops right after the first final response: bytes that follow it stay unconsumed
// and the caller decides what they mean (there is no pipelining, so they are a protocol error).
// Interim 1xx responses (100 Continue, 103 Early Hints, ...) are skipped; 101 Switching
// Protocols is final. It never allocates and never throws.
//
// The engine only counts (status, keep-alive, body size). A caller that wants the reason,
// headers and body too (the stack's probes) gives it a ResponseObserver.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <llhttp.h>

namespace lg::http {

// A parse failure. The views point to static storage (llhttp's tables or string literals).
struct ParseError {
  std::string_view name;    // llhttp_errno_name, e.g. "HPE_INVALID_STATUS"
  std::string_view reason;  // llhttp_get_error_reason, e.g. "Invalid response status"
  std::size_t offset = 0;   // bytes into the chunk given to the failing feed(); 0 from finish()
};

// Sees the parts of each response as the parser reads them. Called from inside feed(); a view
// points into the bytes given to that feed() and is valid only during the call. A part may come
// in pieces (a header name split between two feeds arrives in two calls). Interim responses are
// seen too, each starting with on_response_begin(); so are a chunked body's trailer fields,
// after on_chunk_begin(0). Must not throw (noexcept: a failure to allocate terminates).
class ResponseObserver {
 public:
  virtual void on_response_begin() noexcept {}  // forget what the previous response said
  virtual void on_reason(std::string_view /*part*/) noexcept {}
  virtual void on_status_line_end() noexcept {}
  virtual void on_header_name(std::string_view /*part*/) noexcept {}
  virtual void on_header_value(std::string_view /*part*/) noexcept {}  // leading spaces dropped
  virtual void on_header_end() noexcept {}
  virtual void on_headers_end(int /*status_code*/) noexcept {}  // the empty line after them
  virtual void on_chunk_begin(std::uint64_t /*size*/) noexcept {}
  virtual void on_body(std::string_view /*part*/) noexcept {}  // decoded: no chunk framing
  virtual void on_chunk_end() noexcept {}                      // a chunk's data and its CRLF

 protected:
  ~ResponseObserver() = default;
};

class ResponseParser {
 public:
  enum class Status { kNeedMore, kComplete, kError };
  struct Result {
    Status status;
    std::size_t consumed;  // bytes of the chunk used; < len after kComplete if more followed
  };

  // With an observer (which must outlive the parser), every part of a response is passed to
  // it; without one, nothing but the counting callbacks runs (the engine's hot path).
  explicit ResponseParser(ResponseObserver* observer = nullptr) noexcept;
  // llhttp_t keeps `this` as its data pointer: the parser cannot be copied or moved.
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Accepts header lines llhttp refuses by default: a bare LF as line end, control characters
  // in values (llhttp_set_lenient_headers). For peers that are read, not judged. Kept across
  // expect_response().
  void set_lenient_headers(bool on) noexcept;

  // Call before each request is sent. head=true: the response has no body whatever its
  // headers say. Starts from a clean state: a previous error or unfinished response is dropped.
  void expect_response(bool head) noexcept;

  // Feeds bytes of the connection. kComplete: the final response ended at data[consumed - 1]
  // (status_code() etc. describe it); data[consumed..len) was not looked at. kNeedMore: all
  // bytes consumed, the response is not over. kError: see error(); later feeds keep failing
  // until expect_response(). Feeding again after kComplete without expect_response() returns
  // {kComplete, 0}: the bytes are extra.
  Result feed(const char* data, std::size_t len) noexcept;

  // At EOF. kComplete: a close-delimited body ended. kError: EOF inside a response (including
  // after an interim 1xx). kNeedMore: no byte of a response was seen since the last one.
  Result finish() noexcept;

  // Of the last completed response.
  int status_code() const noexcept { return status_code_; }
  // Whether the connection may carry another request (llhttp_should_keep_alive). Always false
  // after 101 Switching Protocols: the connection no longer speaks HTTP/1.1.
  bool keep_alive() const noexcept { return keep_alive_; }
  // Body bytes after transfer decoding (chunk framing and trailers not counted); 0 for HEAD.
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }

  // Valid after kError.
  ParseError error() const noexcept { return error_; }
  // Some bytes of a response (an interim one counts) were seen and the final one has not
  // completed.
  bool in_message() const noexcept { return in_message_; }

 private:
  struct Callbacks;  // the static llhttp trampolines
  enum class Phase : std::uint8_t { kReading, kComplete, kError };

  Result fail(llhttp_errno_t err, std::size_t offset) noexcept;

  llhttp_t parser_;
  ResponseObserver* observer_ = nullptr;
  Phase phase_ = Phase::kReading;
  bool head_ = false;  // the request in flight is a HEAD
  bool in_message_ = false;
  bool short_status_ = false;    // the status code had fewer than 3 digits (llhttp accepts it)
  std::uint64_t body_seen_ = 0;  // body bytes of the message being parsed
  int status_code_ = 0;
  bool keep_alive_ = false;
  std::uint64_t body_bytes_ = 0;
  ParseError error_{};
};

}  // namespace lg::http
