#include "stack/http_reply.h"

#include <algorithm>

namespace lg::stack {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::ranges::equal(a, b, [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

const std::string* HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

HttpReplyReader::HttpReplyReader() : parser_(this) {
  // The old hand-written parser took bare LF line ends; probes read servers, they do not judge.
  parser_.set_lenient_headers(true);
  parser_.expect_response(/*head=*/false);
}

std::expected<bool, std::string> HttpReplyReader::add(std::string_view bytes) {
  fed_from_ = in_.size();
  in_.append(bytes);  // before feeding: the observer's views point into in_
  const auto r = parser_.feed(in_.data() + fed_from_, bytes.size());
  if (!problem_.empty()) return std::unexpected(problem_);
  switch (r.status) {
    case http::ResponseParser::Status::kComplete:
      return true;
    case http::ResponseParser::Status::kNeedMore:
      return false;
    case http::ResponseParser::Status::kError:
      break;
  }
  return std::unexpected(parse_error());
}

std::expected<void, std::string> HttpReplyReader::finish() {
  const auto r = parser_.finish();
  if (!problem_.empty()) return std::unexpected(problem_);
  if (r.status == http::ResponseParser::Status::kComplete) return {};  // close-delimited body
  if (r.status == http::ResponseParser::Status::kNeedMore && in_.empty()) {
    return std::unexpected("server closed without a response");
  }
  const char* where = "inside the response";
  switch (where_) {
    case Where::kStatusLine:
      where = "inside the status line";
      break;
    case Where::kHeaders:
      where = "inside the headers";
      break;
    case Where::kBody:  // a close-delimited body cannot be cut: this one had a length
      where = "before Content-Length bytes of body";
      break;
    case Where::kChunkSize:
      where = "inside a chunk size";
      break;
    case Where::kChunkData:
      where = "inside a chunk";
      break;
    case Where::kTrailer:
      where = "inside the chunked trailer";
      break;
    case Where::kDone:
      break;
  }
  return std::unexpected(std::string("connection closed ") + where);
}

// The malformed part in words, named as the hand-written parser before llhttp named it.
std::string HttpReplyReader::parse_error() const {
  const auto e = parser_.error();
  const std::size_t at = fed_from_ + e.offset;
  if (e.name == "HPE_INVALID_STATUS") return "bad status code in '" + line_at(at, 80) + "'";
  if (where_ == Where::kStatusLine) return "bad status line: '" + line_at(at, 80) + "'";
  if (e.name == "HPE_INVALID_HEADER_TOKEN") return "bad header line: '" + line_at(at, 80) + "'";
  if (e.name == "HPE_INVALID_CONTENT_LENGTH") {
    const std::string line = line_at(at, 80);
    const auto colon = line.find(':');
    const auto value =
        colon == std::string::npos ? line : std::string(trim(line.substr(colon + 1)));
    return "bad Content-Length: '" + value + "'";
  }
  if (e.name == "HPE_UNEXPECTED_CONTENT_LENGTH" && e.reason.starts_with("Duplicate")) {
    return "conflicting Content-Length headers";
  }
  if (e.name == "HPE_INVALID_CHUNK_SIZE") return "bad chunk size: '" + line_at(at, 40) + "'";
  return "bad response: " + std::string(e.reason) + " (" + std::string(e.name) + ") in '" +
         line_at(at, 80) + "'";
}

// The line of in_ holding byte `offset`, without its line end, at most `max` bytes.
std::string HttpReplyReader::line_at(std::size_t offset, std::size_t max) const {
  const std::string_view in = in_;
  offset = std::min(offset, in.size());
  const auto before = offset == 0 ? std::string_view::npos : in.rfind('\n', offset - 1);
  const std::size_t start = before == std::string_view::npos ? 0 : before + 1;
  const std::size_t end = std::min(in.find('\n', offset), in.size());
  std::string_view line = in.substr(start, end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line.substr(0, max));
}

void HttpReplyReader::on_response_begin() noexcept {
  reply_ = HttpReply{};
  where_ = Where::kStatusLine;
  header_open_ = false;
  chunked_ = false;
}

void HttpReplyReader::on_reason(std::string_view part) noexcept {
  reply_.reason.append(part);
}

void HttpReplyReader::on_status_line_end() noexcept {
  where_ = Where::kHeaders;
}

void HttpReplyReader::on_header_name(std::string_view part) noexcept {
  if (where_ != Where::kHeaders) return;  // trailer fields are not headers
  if (!header_open_) reply_.headers.emplace_back();
  header_open_ = true;
  reply_.headers.back().first.append(part);
}

void HttpReplyReader::on_header_value(std::string_view part) noexcept {
  if (where_ == Where::kHeaders && header_open_) reply_.headers.back().second.append(part);
}

void HttpReplyReader::on_header_end() noexcept {
  if (where_ != Where::kHeaders || !header_open_) return;
  auto& [name, value] = reply_.headers.back();
  value = std::string(trim(value));  // llhttp drops leading spaces, not trailing ones
  if (iequals(name, "Transfer-Encoding") && value.find("chunked") != std::string::npos) {
    chunked_ = true;
  }
  header_open_ = false;
}

void HttpReplyReader::on_headers_end(int status_code) noexcept {
  reply_.status = status_code;
  const bool interim = status_code / 100 == 1 && status_code != 101;
  // After an interim response the next bytes are the final one's status line.
  where_ = interim ? Where::kStatusLine : chunked_ ? Where::kChunkSize : Where::kBody;
}

void HttpReplyReader::on_chunk_begin(std::uint64_t size) noexcept {
  where_ = size > 0 ? Where::kChunkData : Where::kTrailer;
}

void HttpReplyReader::on_body(std::string_view part) noexcept {
  if (where_ == Where::kChunkData) {
    chunk_end_ = static_cast<std::size_t>(part.data() - in_.data()) + part.size();
  }
  if (reply_.body.size() + part.size() > kMaxBodyBytes) {
    if (problem_.empty()) problem_ = "body too large";
    return;
  }
  reply_.body.append(part);
}

void HttpReplyReader::on_chunk_end() noexcept {
  if (where_ == Where::kChunkData) {
    // llhttp (not built in strict mode) skips the two bytes after a chunk's data unchecked.
    if (in_.compare(chunk_end_, 2, "\r\n") != 0 && problem_.empty()) {
      problem_ = "chunk not followed by CRLF";
    }
    where_ = Where::kChunkSize;
  } else {
    where_ = Where::kDone;  // the last chunk and its trailer
  }
}

std::expected<HttpReply, std::string> parse_http_reply(std::string_view bytes) {
  HttpReplyReader reader;
  auto complete = reader.add(bytes);
  if (!complete) return std::unexpected(complete.error());
  if (!*complete) {
    if (auto ended = reader.finish(); !ended) return std::unexpected(ended.error());
  }
  return reader.take_reply();
}

}  // namespace lg::stack
