#include "loadgen/engine/connection.h"

namespace lg::engine {

Connection::Connection(ConnectionOwner& owner, std::size_t write_capacity)
    : owner_(owner), wbuf_(std::make_unique<char[]>(write_capacity)), wcap_(write_capacity) {}

int Connection::open(uv_loop_t* loop, const sockaddr* addr) {
  // uv_tcp_init_ex creates the socket now, so a missing descriptor (EMFILE) shows here and
  // not as a connect callback.
  if (const int rc = uv_tcp_init_ex(loop, &tcp_, addr->sa_family); rc != 0) return rc;
  tcp_.data = this;
  connect_req_.data = this;
  uv_tcp_nodelay(&tcp_, 1);
  if (const int rc = uv_tcp_connect(&connect_req_, &tcp_, addr, &Connection::on_connect); rc != 0) {
    // The handle was initialised, so it must be closed; no connect callback will come.
    state_ = State::kClosing;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::on_close);
    return rc;
  }
  state_ = State::kConnecting;
  return 0;
}

void Connection::on_connect(uv_connect_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  if (c->state_ != State::kConnecting) return;  // closed while connecting (interrupt)
  if (status != 0 || uv_read_start(c->stream(), &Connection::on_alloc, &Connection::on_read) != 0) {
    c->owner_.on_connect_failed(*c);
    c->close();
    return;
  }
  c->state_ = State::kIdle;
  c->owner_.on_connected(*c);
}

void Connection::send(const char* bytes, std::size_t len, bool head, const InFlight& request) {
  request_ = request;
  state_ = State::kBusy;
  parser_.expect_response(head);
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes), static_cast<unsigned>(len));
  // Most requests fit the socket buffer: try_write avoids a write request and a callback.
  const int n = uv_try_write(stream(), &buf, 1);
  if (n == static_cast<int>(len)) return;
  if (n < 0 && n != UV_EAGAIN) {
    fail(ErrorKind::kWrite);
    return;
  }
  const auto done = n > 0 ? static_cast<std::size_t>(n) : 0;
  buf = uv_buf_init(const_cast<char*>(bytes) + done, static_cast<unsigned>(len - done));
  write_req_.data = this;
  if (uv_write(&write_req_, stream(), &buf, 1, &Connection::on_write) != 0) {
    fail(ErrorKind::kWrite);
    return;
  }
  writing_ = true;
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->writing_ = false;
  if (status != 0 && c->state_ == State::kBusy) c->fail(ErrorKind::kWrite);
}

void Connection::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  *buf = *static_cast<Connection*>(h->data)->owner_.read_buffer();
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread > 0) {
    c->consume(buf->base, static_cast<std::size_t>(nread));
  } else if (nread == UV_EOF) {
    c->on_eof();
  } else if (nread < 0) {
    if (c->state_ == State::kBusy) {
      c->fail(ErrorKind::kRead);
    } else {
      c->owner_.on_idle_closed(*c);
      c->close();
    }
  }
}

void Connection::consume(const char* data, std::size_t len) {
  if (state_ != State::kBusy) {
    // Bytes nobody asked for (or after a close was decided): the connection is unusable.
    if (state_ == State::kIdle) {
      owner_.on_idle_closed(*this);
      close();
    }
    return;
  }
  const auto r = parser_.feed(data, len);
  switch (r.status) {
    case http::ResponseParser::Status::kNeedMore:
      return;
    case http::ResponseParser::Status::kError:
      fail(ErrorKind::kParse);
      return;
    case http::ResponseParser::Status::kComplete:
      if (r.consumed != len) {  // more than one response for one request
        fail(ErrorKind::kParse);
        return;
      }
      state_ = State::kIdle;
      owner_.on_response(*this);  // may send the next request or close
      return;
  }
}

void Connection::on_eof() {
  if (state_ != State::kBusy) {
    if (state_ == State::kIdle) owner_.on_idle_closed(*this);
    close();
    return;
  }
  const auto r = parser_.finish();
  if (r.status == http::ResponseParser::Status::kComplete) {
    state_ = State::kIdle;
    owner_.on_response(*this);
    close();  // the server closed: the response said so or was close-delimited
  } else {
    // The server closed before the response was whole (or before it began): a read error.
    // Invalid bytes were already reported as parse errors by consume().
    fail(ErrorKind::kRead);
  }
}

void Connection::fail(ErrorKind kind) {
  state_ = State::kIdle;
  owner_.on_failure(*this, kind);
  close();
}

void Connection::close() {
  if (state_ == State::kClosed || state_ == State::kClosing) return;
  state_ = State::kClosing;
  uv_read_stop(stream());
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::on_close);
}

void Connection::on_close(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  c->state_ = State::kClosed;
  c->owner_.on_closed(*c);
}

}  // namespace lg::engine
