#include "loadgen/http/response_parser.h"

namespace lg::http {

namespace {

// RFC 9112 section 6.3: 1xx, 204 and 304 responses end at the empty line after the headers,
// whatever Content-Length or Transfer-Encoding say. llhttp 8.1 applies this only to decide
// whether a body is close-delimited, and would otherwise read a body announced by
// Content-Length, so the parser is told explicitly.
bool status_has_no_body(int code) noexcept {
  return code / 100 == 1 || code == 204 || code == 304;
}

}  // namespace

// Static trampolines from llhttp's C callbacks to the parser in llhttp_t::data. They never throw
// and return only 0, 1 (skip the body), HPE_PAUSED (a message ended) or -1 (a status code
// llhttp lets through).
struct ResponseParser::Callbacks {
  static ResponseParser& self(llhttp_t* p) noexcept {
    return *static_cast<ResponseParser*>(p->data);
  }

  static int on_message_begin(llhttp_t* p) noexcept {
    ResponseParser& s = self(p);
    s.in_message_ = true;
    s.body_seen_ = 0;
    return 0;
  }

  // llhttp 8.1 accepts a status code of one or two digits ("HTTP/1.1 20 OK"); RFC 9112 requires
  // three. Fail here, at the end of the status line; fail() names the real problem.
  static int on_status_complete(llhttp_t* p) noexcept {
    if (p->status_code >= 100) return 0;
    self(p).short_status_ = true;
    return -1;
  }

  // Returning 1 makes llhttp treat the message as having no body.
  static int on_headers_complete(llhttp_t* p) noexcept {
    return self(p).head_ || status_has_no_body(p->status_code) ? 1 : 0;
  }

  static int on_body(llhttp_t* p, const char* /*at*/, std::size_t length) noexcept {
    self(p).body_seen_ += length;
    return 0;
  }

  // Pauses after every message so that feed() regains control exactly at its end: to stop after
  // a final response, or to restart cleanly after an interim one.
  static int on_message_complete(llhttp_t* p) noexcept {
    const int code = p->status_code;
    if (code / 100 == 1 && code != 101) return HPE_PAUSED;  // interim: feed() restarts
    ResponseParser& s = self(p);
    s.phase_ = Phase::kComplete;
    s.in_message_ = false;
    s.status_code_ = code;
    // llhttp clears the connection flags right after this callback: ask now.
    s.keep_alive_ = code != 101 && llhttp_should_keep_alive(p) != 0;
    s.body_bytes_ = s.body_seen_;
    return HPE_PAUSED;
  }

  // With an observer: the same, and each part passed on. Separate functions (and a separate
  // table) so that a parser without an observer never tests for one.
  static ResponseObserver& observer(llhttp_t* p) noexcept { return *self(p).observer_; }
  static std::string_view span(const char* at, std::size_t length) noexcept { return {at, length}; }

  static int observed_message_begin(llhttp_t* p) noexcept {
    observer(p).on_response_begin();
    return on_message_begin(p);
  }
  static int observed_status(llhttp_t* p, const char* at, std::size_t length) noexcept {
    observer(p).on_reason(span(at, length));
    return 0;
  }
  static int observed_status_complete(llhttp_t* p) noexcept {
    const int r = on_status_complete(p);
    if (r == 0) observer(p).on_status_line_end();
    return r;
  }
  static int observed_header_field(llhttp_t* p, const char* at, std::size_t length) noexcept {
    observer(p).on_header_name(span(at, length));
    return 0;
  }
  static int observed_header_value(llhttp_t* p, const char* at, std::size_t length) noexcept {
    observer(p).on_header_value(span(at, length));
    return 0;
  }
  static int observed_header_value_complete(llhttp_t* p) noexcept {
    observer(p).on_header_end();
    return 0;
  }
  static int observed_headers_complete(llhttp_t* p) noexcept {
    observer(p).on_headers_end(p->status_code);
    return on_headers_complete(p);
  }
  static int observed_chunk_header(llhttp_t* p) noexcept {
    observer(p).on_chunk_begin(p->content_length);  // llhttp holds the chunk's size there
    return 0;
  }
  static int observed_body(llhttp_t* p, const char* at, std::size_t length) noexcept {
    observer(p).on_body(span(at, length));
    return on_body(p, at, length);
  }
  static int observed_chunk_complete(llhttp_t* p) noexcept {
    observer(p).on_chunk_end();
    return 0;
  }

  // One table for every parser of a kind; constant-initialised, so usable during static
  // initialisation.
  static constexpr llhttp_settings_t make_settings() noexcept {
    llhttp_settings_t s{};
    s.on_message_begin = &on_message_begin;
    s.on_headers_complete = &on_headers_complete;
    s.on_status_complete = &on_status_complete;
    s.on_body = &on_body;
    s.on_message_complete = &on_message_complete;
    return s;
  }
  static constexpr llhttp_settings_t make_observed_settings() noexcept {
    llhttp_settings_t s = make_settings();
    s.on_message_begin = &observed_message_begin;
    s.on_status = &observed_status;
    s.on_status_complete = &observed_status_complete;
    s.on_header_field = &observed_header_field;
    s.on_header_value = &observed_header_value;
    s.on_header_value_complete = &observed_header_value_complete;
    s.on_headers_complete = &observed_headers_complete;
    s.on_chunk_header = &observed_chunk_header;
    s.on_body = &observed_body;
    s.on_chunk_complete = &observed_chunk_complete;
    return s;
  }
  static const llhttp_settings_t kSettings;
  static const llhttp_settings_t kObservedSettings;
};

constexpr llhttp_settings_t ResponseParser::Callbacks::kSettings =
    ResponseParser::Callbacks::make_settings();
constexpr llhttp_settings_t ResponseParser::Callbacks::kObservedSettings =
    ResponseParser::Callbacks::make_observed_settings();

ResponseParser::ResponseParser(ResponseObserver* observer) noexcept
    : parser_{}, observer_(observer) {
  llhttp_init(&parser_, HTTP_RESPONSE,
              observer != nullptr ? &Callbacks::kObservedSettings : &Callbacks::kSettings);
  parser_.data = this;
}

void ResponseParser::set_lenient_headers(bool on) noexcept {
  llhttp_set_lenient_headers(&parser_, on ? 1 : 0);
}

void ResponseParser::expect_response(bool head) noexcept {
  llhttp_reset(&parser_);  // keeps the settings and the data pointer
  phase_ = Phase::kReading;
  head_ = head;
  in_message_ = false;
  short_status_ = false;
  body_seen_ = 0;
  error_ = {};
}

ResponseParser::Result ResponseParser::feed(const char* data, std::size_t len) noexcept {
  if (phase_ == Phase::kError) return {Status::kError, 0};
  if (phase_ == Phase::kComplete) return {Status::kComplete, 0};
  std::size_t offset = 0;
  for (;;) {
    const llhttp_errno_t err = llhttp_execute(&parser_, data + offset, len - offset);
    if (err == HPE_OK) return {Status::kNeedMore, len};
    const char* pos = llhttp_get_error_pos(&parser_);
    const std::size_t at = pos != nullptr ? static_cast<std::size_t>(pos - data) : offset;
    if (err != HPE_PAUSED) return fail(err, at);
    offset = at;
    if (phase_ == Phase::kComplete) return {Status::kComplete, offset};
    // An interim 1xx response ended at `offset`: parse what follows as a new message. A fresh
    // parser state also avoids llhttp's "closed" state after an interim Connection: close.
    llhttp_reset(&parser_);
  }
}

ResponseParser::Result ResponseParser::finish() noexcept {
  if (phase_ == Phase::kError) return {Status::kError, 0};
  if (phase_ == Phase::kComplete || !in_message_) return {Status::kNeedMore, 0};
  const llhttp_errno_t err = llhttp_finish(&parser_);
  if (phase_ == Phase::kComplete) return {Status::kComplete, 0};  // a close-delimited body ended
  if (err != HPE_OK && err != HPE_PAUSED) return fail(err, 0);
  // llhttp saw no open message: the last thing received was an interim response.
  phase_ = Phase::kError;
  error_ = {"HPE_INVALID_EOF_STATE", "EOF after an interim (1xx) response", 0};
  return {Status::kError, 0};
}

ResponseParser::Result ResponseParser::fail(llhttp_errno_t err, std::size_t offset) noexcept {
  phase_ = Phase::kError;
  if (short_status_) {
    error_ = {"HPE_INVALID_STATUS", "Invalid status code (fewer than 3 digits)", offset};
  } else {
    const char* reason = llhttp_get_error_reason(&parser_);
    error_ = {llhttp_errno_name(err), reason != nullptr ? reason : "", offset};
  }
  return {Status::kError, offset};
}

}  // namespace lg::http
