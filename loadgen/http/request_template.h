// Request bytes: each RequestSpec of the plan is compiled once at start into literal byte runs
// and placeholders, so that sending a request is a copy (static requests) or a short render into
// a per-connection buffer that never allocates.
//
// Placeholders (in the path and the body only; headers are sent literally):
//   {{seq}}        the arrival's global sequence number, decimal
//   {{rand A B}}   a uniform integer in [A, B], decimal; 0 <= A <= B < 2^63
// Whitespace inside the braces is free ("{{ rand 1  10 }}"). There is no escape for a literal
// "{{": any "{{" starts a placeholder and must be closed by "}}".
//
// Request layout (HTTP/1.1, keep-alive is the default so no Connection header is added):
//   METHOD SP base_path+path SP HTTP/1.1 CRLF
//   Host: ... CRLF              target.host_header, else host[:port] (port omitted when 80/443)
//   User-Agent: ... CRLF        the user_agent argument; omitted when empty
//   <extra headers, in order> CRLF
//   Content-Length: N CRLF      when the body is non-empty, and for POST/PUT/PATCH always
//   CRLF
//   body
//
// Header rules (decided here, so they are the same for scenarios and the CLI):
//   - a request's own Host or User-Agent header replaces the default one (one line is sent,
//     first among the headers); giving either twice in one request is an error;
//   - Content-Length and Transfer-Encoding are rejected: the framing is ours (Content-Length
//     is computed per render because placeholders change the body's length).
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/run_plan.h"

namespace lg::http {

// draw64 streams used for request randomness, so that other users of lg::draw64 (Poisson gaps)
// can pick streams that do not correlate with these. The k-th {{rand}} of a template (counting
// path then body, from 0) uses stream kRandStreamBase + k; the mix pick uses kMixStream. The draw
// index is always the arrival's seq.
inline constexpr std::uint64_t kMixStream = 0x6d69785f7069636bULL;       // "mix_pick"
inline constexpr std::uint64_t kRandStreamBase = 0x72616e6400000000ULL;  // "rand" << 32

// A request compiled once at start: literal byte segments plus placeholders. Copyable value;
// render() is const and thread-safe.
class RequestTemplate {
 public:
  // Errors name the field ("method: ...", "path: ...", "headers[1]: ...", "body: ...",
  // "target.host_header: ...") with the bad value and what is accepted; all problems of the
  // request are reported, one per line.
  static std::expected<RequestTemplate, std::string> compile(const RequestSpec& spec,
                                                             const Target& target,
                                                             std::string_view user_agent);

  // No placeholders: bytes() is the whole request and render() is a plain copy of it.
  bool is_static() const noexcept { return is_static_; }
  // The whole request; meaningful for static requests only (empty otherwise).
  std::string_view bytes() const noexcept;
  // Upper bound on render()'s output in bytes, for sizing per-connection buffers.
  std::size_t max_size() const noexcept { return max_size_; }
  // Method HEAD: the response has no body (tell ResponseParser::expect_response).
  bool is_head() const noexcept { return is_head_; }

  // Writes the request for arrival `seq` into out[0..cap) and returns the bytes written.
  // {{rand}} values come from lg::draw64(seed, kRandStreamBase + k, seq), so the bytes are a pure
  // function of (seed, seq). The caller guarantees cap >= max_size(); if it does not, nothing is
  // written and 0 is returned.
  std::size_t render(std::uint64_t seq, std::uint64_t seed, char* out,
                     std::size_t cap) const noexcept;

 private:
  enum class PieceKind : std::uint8_t { kLiteral, kSeq, kRand, kContentLength };
  // One run of the request: a literal slice of literals_, or a number written at render time.
  struct Piece {
    PieceKind kind = PieceKind::kLiteral;
    std::size_t offset = 0;  // kLiteral: start in literals_
    std::size_t length = 0;  // kLiteral: byte count
    std::uint64_t lo = 0;    // kRand: inclusive bounds
    std::uint64_t hi = 0;
    std::uint64_t stream = 0;  // kRand: draw64 stream
  };
  friend class TemplateBuilder;

  RequestTemplate() = default;
  std::uint64_t value_of(const Piece& p, std::uint64_t seq, std::uint64_t seed) const noexcept;
  std::size_t body_length(std::uint64_t seq, std::uint64_t seed) const noexcept;

  std::string literals_;             // backing bytes of every kLiteral piece
  std::vector<Piece> pieces_;        // the request, in order
  std::size_t body_begin_ = 0;       // index of the first body piece in pieces_
  std::size_t max_size_ = 0;         // bytes
  bool has_dynamic_length_ = false;  // a kContentLength piece exists
  bool is_static_ = false;
  bool is_head_ = false;
};

// The weighted request mix: picks a template for an arrival as a pure function of (seed, seq).
class RequestMix {
 public:
  // Errors name the request index ("requests[2].path: ...") or the target field; all problems
  // are reported, one per line.
  static std::expected<RequestMix, std::string> compile(const std::vector<RequestSpec>& specs,
                                                        const Target& target,
                                                        std::string_view user_agent);

  // Index into at() for arrival `seq`; request i is chosen with probability weight_i / sum.
  std::size_t pick(std::uint64_t seq, std::uint64_t seed) const noexcept;
  const RequestTemplate& at(std::size_t i) const { return templates_.at(i); }
  std::size_t size() const noexcept { return templates_.size(); }
  // The largest max_size() of all templates, in bytes.
  std::size_t max_size() const noexcept { return max_size_; }

 private:
  RequestMix() = default;

  std::vector<RequestTemplate> templates_;
  std::vector<std::uint64_t> cumulative_;  // cumulative_[i] = weight_0 + ... + weight_i
  std::size_t max_size_ = 0;
};

}  // namespace lg::http
