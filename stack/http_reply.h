// An HTTP/1.x response as the stack's probes read it: status, reason, headers and body, parsed
// by llhttp (loadgen/http's ResponseParser, with an observer that keeps what the engine only
// counts). Pure: bytes in, a reply or an error out; the sockets are http_probe's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgen/http/response_parser.h"

namespace lg::stack {

struct HttpReply {
  int status = 0;      // the final status (interim 1xx responses are skipped)
  std::string reason;  // reason phrase, may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as received
  std::string body;                                          // decoded (chunk framing removed)

  // The first header with this name (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// Reads one response from the bytes of a connection as they arrive: Content-Length, chunked and
// close-delimited bodies, 204/304/101 without a body, interim 1xx responses skipped, bytes after
// the response ignored. Header lines may end in a bare LF. Errors say where the response broke
// off or what was malformed, with the offending line: "connection closed inside a chunk",
// "bad status line: 'SSH-2.0-OpenSSH_9.2'".
class HttpReplyReader final : private http::ResponseObserver {
 public:
  // Probe replies are small (/health, a JSON row); the cap keeps a runaway body bounded.
  static constexpr std::size_t kMaxBodyBytes = 64u << 20;

  HttpReplyReader();
  HttpReplyReader(const HttpReplyReader&) = delete;
  HttpReplyReader& operator=(const HttpReplyReader&) = delete;

  // The next bytes received. true: the response is complete (reply() holds it).
  std::expected<bool, std::string> add(std::string_view bytes);
  // The server closed the connection: a close-delimited body ends here, anything else is cut.
  std::expected<void, std::string> finish();

  const HttpReply& reply() const { return reply_; }
  HttpReply take_reply() { return std::move(reply_); }
  std::size_t bytes_received() const { return in_.size(); }

 private:
  // Where in the response the bytes stopped, for "connection closed ..." errors.
  enum class Where : std::uint8_t {
    kStatusLine,
    kHeaders,
    kBody,       // Content-Length or close-delimited
    kChunkSize,  // also before the first chunk
    kChunkData,
    kTrailer,
    kDone,
  };

  void on_response_begin() noexcept override;
  void on_reason(std::string_view part) noexcept override;
  void on_status_line_end() noexcept override;
  void on_header_name(std::string_view part) noexcept override;
  void on_header_value(std::string_view part) noexcept override;
  void on_header_end() noexcept override;
  void on_headers_end(int status_code) noexcept override;
  void on_chunk_begin(std::uint64_t size) noexcept override;
  void on_body(std::string_view part) noexcept override;
  void on_chunk_end() noexcept override;

  std::string parse_error() const;
  std::string line_at(std::size_t offset, std::size_t max) const;

  http::ResponseParser parser_;
  std::string in_;            // every byte received; the observer's views point into it
  std::size_t fed_from_ = 0;  // where the bytes of the current add() start in in_
  HttpReply reply_;
  Where where_ = Where::kStatusLine;
  bool header_open_ = false;   // a header's name or value is being read
  bool chunked_ = false;       // Transfer-Encoding names chunked: the body comes in chunks
  std::size_t chunk_end_ = 0;  // offset in in_ just after the current chunk's data
  std::string problem_;        // found by the observer, which llhttp does not check
};

// Parses a whole HTTP/1.x response as read up to the server's close (HttpReplyReader fed once).
std::expected<HttpReply, std::string> parse_http_reply(std::string_view bytes);

}  // namespace lg::stack
