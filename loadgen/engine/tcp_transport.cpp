#include "loadgen/engine/tcp_transport.h"

namespace lg::engine {

int TcpTransport::connect(uv_loop_t* loop, const sockaddr* addr, const uv_buf_t* read_buffer) {
  read_buffer_ = read_buffer;
  // uv_tcp_init_ex creates the socket now, so a missing descriptor (EMFILE) shows here and
  // not as a connect callback.
  if (const int rc = uv_tcp_init_ex(loop, &tcp_, addr->sa_family); rc != 0) return rc;
  open_ = true;
  tcp_.data = this;
  connect_req_.data = this;
  uv_tcp_nodelay(&tcp_, 1);
  if (const int rc = uv_tcp_connect(&connect_req_, &tcp_, addr, &TcpTransport::on_connect);
      rc != 0) {
    // The handle was initialised, so it must be closed; no connect callback will come.
    closing_ = true;
    uv_close(handle(), &TcpTransport::on_close);
    return rc;
  }
  return 0;
}

void TcpTransport::on_connect(uv_connect_t* req, int status) {
  auto* t = static_cast<TcpTransport*>(req->data);
  if (t->closing_) return;  // closed while connecting: the connect was cancelled
  const int rc = status != 0
                     ? status
                     : uv_read_start(t->stream(), &TcpTransport::on_alloc, &TcpTransport::on_read);
  if (rc != 0) {
    t->owner_.on_transport_connect_failed(ErrorKind::kConnect, rc);
    return;
  }
  t->times_.established_ns = t->times_.ready_ns = uv_hrtime();
  t->owner_.on_transport_connected();
}

int TcpTransport::write(const char* bytes, std::size_t len) {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes), static_cast<unsigned>(len));
  // Most requests fit the socket buffer: try_write avoids a write request and a callback.
  const int n = uv_try_write(stream(), &buf, 1);
  if (n == static_cast<int>(len)) return 0;
  if (n < 0 && n != UV_EAGAIN) return n;
  const auto done = n > 0 ? static_cast<std::size_t>(n) : 0;
  buf = uv_buf_init(const_cast<char*>(bytes) + done, static_cast<unsigned>(len - done));
  write_req_.data = this;
  if (const int rc = uv_write(&write_req_, stream(), &buf, 1, &TcpTransport::on_write); rc != 0) {
    return rc;
  }
  writing_ = true;
  return 0;
}

void TcpTransport::on_write(uv_write_t* req, int status) {
  auto* t = static_cast<TcpTransport*>(req->data);
  t->writing_ = false;
  t->owner_.on_transport_write_done(status);
}

void TcpTransport::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  *buf = *static_cast<TcpTransport*>(h->data)->read_buffer_;
}

void TcpTransport::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* t = static_cast<TcpTransport*>(s->data);
  if (nread > 0) {
    t->owner_.on_transport_read(buf->base, static_cast<std::size_t>(nread));
  } else if (nread == UV_EOF) {
    t->owner_.on_transport_eof();
  } else if (nread < 0) {
    t->owner_.on_transport_read_error(static_cast<int>(nread));
  }
  // nread == 0: libuv's EAGAIN, nothing to report.
}

void TcpTransport::close() {
  if (!open_ || closing_) return;
  closing_ = true;
  uv_read_stop(stream());
  uv_close(handle(), &TcpTransport::on_close);
}

void TcpTransport::on_close(uv_handle_t* h) {
  auto* t = static_cast<TcpTransport*>(h->data);
  t->open_ = false;
  t->closing_ = false;
  t->owner_.on_transport_closed();
}

}  // namespace lg::engine
