#include "loadgen/engine/connection.h"

namespace lg::engine {

Connection::Connection(ConnectionOwner& owner, std::size_t write_capacity,
                       const TransportFactory& transports)
    : owner_(owner),
      transport_(transports.make(*this)),
      wbuf_(std::make_unique<char[]>(write_capacity)),
      wcap_(write_capacity) {}

int Connection::open(uv_loop_t* loop, const sockaddr* addr) {
  opened_ns_ = uv_hrtime();
  if (const int rc = transport_->connect(loop, addr, owner_.read_buffer()); rc != 0) {
    state_ = transport_->closing() ? State::kClosing : State::kClosed;
    return rc;
  }
  state_ = State::kConnecting;
  return 0;
}

void Connection::on_transport_connected() {
  if (state_ != State::kConnecting) return;  // closed while connecting (interrupt)
  state_ = State::kIdle;
  owner_.on_connected(*this);
}

void Connection::on_transport_connect_failed(ErrorKind kind, int) {
  if (state_ != State::kConnecting) return;
  owner_.on_connect_failed(*this, kind);
  close();
}

void Connection::send(const char* bytes, std::size_t len, bool head, const InFlight& request) {
  request_ = request;
  state_ = State::kBusy;
  parser_.expect_response(head);
  if (transport_->write(bytes, len) != 0) fail(ErrorKind::kWrite);
}

void Connection::on_transport_write_done(int status) {
  if (status != 0 && state_ == State::kBusy) fail(ErrorKind::kWrite);
}

void Connection::on_transport_read(const char* data, std::size_t len) {
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

void Connection::on_transport_eof() {
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
    // Invalid bytes were already reported as parse errors by on_transport_read().
    fail(ErrorKind::kRead);
  }
}

void Connection::on_transport_read_error(int) {
  if (state_ == State::kBusy) {
    fail(ErrorKind::kRead);
  } else {
    owner_.on_idle_closed(*this);
    close();
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
  transport_->close();
}

void Connection::on_transport_closed() {
  state_ = State::kClosed;
  owner_.on_closed(*this);
}

}  // namespace lg::engine
