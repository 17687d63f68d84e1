#include "loadgen/engine/tls_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>

namespace lg::engine {
namespace {

long bio_ctrl(BIO*, int cmd, long, void*) {
  // OpenSSL flushes after each flight; the bytes go out at our flush(). Nothing else (pending
  // counts, kTLS, ...) is asked of a source/sink BIO that answers 0.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

void release(std::vector<char>& v) {
  std::vector<char>().swap(v);
}

}  // namespace

BIO* TlsTransport::make_bio(TlsTransport* t) {
  // One method for the process, made on first use (thread-safe static initialisation).
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "loadgen-libuv");
    BIO_meth_set_read(m, &TlsTransport::bio_read);
    BIO_meth_set_write(m, &TlsTransport::bio_write);
    BIO_meth_set_ctrl(m, &bio_ctrl);
    BIO_meth_set_create(m, &bio_create);
    return m;
  }();
  BIO* b = BIO_new(method);
  if (b != nullptr) BIO_set_data(b, t);
  return b;
}

// Ciphertext in: what the current read callback brought, or "retry" when it is used up.
int TlsTransport::bio_read(BIO* b, char* out, int len) {
  auto* t = static_cast<TlsTransport*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (t->in_len_ == 0) {
    BIO_set_retry_read(b);
    return -1;
  }
  const auto n = std::min(t->in_len_, static_cast<std::size_t>(len));
  std::memcpy(out, t->in_, n);
  t->in_ += n;
  t->in_len_ -= n;
  return static_cast<int>(n);
}

// Ciphertext out: always taken whole, sent by flush().
int TlsTransport::bio_write(BIO* b, const char* in, int len) {
  auto* t = static_cast<TlsTransport*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  t->out_.insert(t->out_.end(), in, in + len);
  return len;
}

TlsTransport::TlsTransport(TransportOwner& owner, TlsShared& shared)
    : owner_(owner), shared_(shared), tcp_(*this) {}

TlsTransport::~TlsTransport() {
  SSL_free(ssl_);
}

int TlsTransport::connect(uv_loop_t* loop, const sockaddr* addr, const uv_buf_t* read_buffer) {
  times_ = ConnectTimes{};
  ready_ = failed_ = plain_pending_ = false;
  return tcp_.connect(loop, addr, read_buffer);
}

void TlsTransport::on_transport_connected() {
  const TlsContext& ctx = *shared_.context;
  times_.established_ns = tcp_.connect_times().established_ns;
  times_.tls = true;
  ssl_ = SSL_new(ctx.ctx());
  BIO* bio = ssl_ != nullptr ? make_bio(this) : nullptr;
  if (bio == nullptr) {
    fail_handshake("cannot start TLS: " + take_openssl_errors());
    return;
  }
  SSL_set_bio(ssl_, bio, bio);  // the SSL owns the BIO from here
  if (shared_.lean) SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  if (!ctx.sni().empty()) {
    // SSL_set_tlsext_host_name, spelled out: the macro casts C-style.
    SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(ctx.sni().c_str()));
  }
  if (ctx.resume()) {
    SSL_set_ex_data(ssl_, 0, &shared_.sessions);  // for the new-session callback
    if (SSL_SESSION* s = shared_.sessions.latest()) SSL_set_session(ssl_, s);
  }
  SSL_set_connect_state(ssl_);
  handshake();
}

void TlsTransport::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  const int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
  if (err != SSL_ERROR_NONE && err != SSL_ERROR_WANT_READ) {
    fail_handshake(handshake_error(err));
    return;
  }
  if (const int w = flush(); w != 0) {
    fail_handshake(std::string("cannot send the handshake: ") + uv_strerror(w));
    return;
  }
  if (err == SSL_ERROR_WANT_READ) return;
  ready_ = true;
  times_.ready_ns = uv_hrtime();
  times_.resumed = SSL_session_reused(ssl_) == 1;
  owner_.on_transport_connected();
}

std::string TlsTransport::handshake_error(int ssl_error) {
  const std::string queued = take_openssl_errors();
  if (shared_.context->verify()) {
    if (const long v = SSL_get_verify_result(ssl_); v != X509_V_OK) {
      return std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
    }
  }
  if (!queued.empty()) return queued;
  if (ssl_error == SSL_ERROR_SYSCALL) return "the connection ended during the handshake";
  return "handshake failed (SSL error " + std::to_string(ssl_error) + ")";
}

void TlsTransport::fail_handshake(std::string reason) {
  if (failed_) return;
  failed_ = true;
  if (shared_.first_failure.empty()) shared_.first_failure = std::move(reason);
  owner_.on_transport_connect_failed(ErrorKind::kTls, UV_EPROTO);
}

void TlsTransport::on_transport_connect_failed(ErrorKind kind, int status) {
  owner_.on_transport_connect_failed(kind, status);
}

void TlsTransport::on_transport_read(const char* data, std::size_t len) {
  if (ssl_ == nullptr || failed_) return;
  in_ = data;
  in_len_ = len;
  if (!ready_) handshake();
  if (ready_ && !tcp_.closing()) read_plaintext();
  in_ = nullptr;
  in_len_ = 0;
  // Lean mode: SSL_MODE_RELEASE_BUFFERS gives the read buffer back only after application
  // data; one that last held handshake records (TLS 1.3 session tickets, which follow the
  // handshake) keeps its 17 KB. SSL_free_buffers frees it unless a record is still partial.
  if (shared_.lean && ready_) SSL_free_buffers(ssl_);
  // A read can make OpenSSL answer (an alert, a key update): send it.
  if (!tcp_.closing() && flush() != 0 && ready_) owner_.on_transport_read_error(UV_EPIPE);
}

void TlsTransport::read_plaintext() {
  while (!tcp_.closing()) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, shared_.plain.get(), static_cast<int>(shared_.plain_capacity));
    if (n > 0) {
      owner_.on_transport_read(shared_.plain.get(), static_cast<std::size_t>(n));
      continue;
    }
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ) return;
    ERR_clear_error();
    if (err == SSL_ERROR_ZERO_RETURN) {
      owner_.on_transport_eof();  // close_notify: an orderly end
    } else {
      owner_.on_transport_read_error(UV_EPROTO);  // a bad record or an alert
    }
    return;
  }
}

void TlsTransport::on_transport_eof() {
  if (failed_) return;
  if (!ready_) {
    fail_handshake("the server closed the connection during the handshake");
    return;
  }
  // A TCP FIN without the server's close_notify may be an attacker (or a crash) cutting the
  // stream: it must not complete a close-delimited body (a truncation attack). Between
  // responses it is only a close, which the connection treats the same either way.
  if ((SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) == 0) {
    owner_.on_transport_read_error(UV_ECONNRESET);
    return;
  }
  owner_.on_transport_eof();
}

void TlsTransport::on_transport_read_error(int status) {
  if (failed_) return;
  if (!ready_) {
    fail_handshake(std::string("the connection failed during the handshake: ") +
                   uv_strerror(status));
    return;
  }
  owner_.on_transport_read_error(status);
}

int TlsTransport::write(const char* bytes, std::size_t len) {
  if (!ready_) return UV_ENOTCONN;
  ERR_clear_error();
  if (SSL_write(ssl_, bytes, static_cast<int>(len)) != static_cast<int>(len)) {
    ERR_clear_error();
    return UV_EPROTO;
  }
  if (const int rc = flush(); rc != 0) return rc;
  plain_pending_ = tcp_.write_pending();
  return 0;
}

// Hands what OpenSSL wrote to TCP, unless a TCP write is still in progress (then it goes at
// its end: on_transport_write_done). 0, or the negative uv error of the write.
int TlsTransport::flush() {
  if (out_.empty() || tcp_.write_pending()) return 0;
  sending_.swap(out_);
  out_.clear();
  if (const int rc = tcp_.write(sending_.data(), sending_.size()); rc != 0) return rc;
  if (!tcp_.write_pending()) {
    sending_.clear();
    if (shared_.lean) release(sending_);
  }
  return 0;
}

void TlsTransport::on_transport_write_done(int status) {
  sending_.clear();
  const int rc = status != 0 ? status : flush();
  if (rc != 0 && !ready_) {
    if (!tcp_.closing())
      fail_handshake(std::string("cannot send the handshake: ") + uv_strerror(rc));
    return;
  }
  if (plain_pending_ && (rc != 0 || !tcp_.write_pending())) {
    plain_pending_ = false;
    owner_.on_transport_write_done(rc);
  }
}

void TlsTransport::close() {
  tcp_.close();
}

void TlsTransport::on_transport_closed() {
  // No close_notify is sent: the connection is going either way, and on the one-request-per-
  // connection path it would cost a write per connection that no server needs. But OpenSSL
  // marks the session of a connection freed without a shutdown as not resumable (the session
  // object the worker keeps is that one): after a good handshake, say the shutdown was done.
  if (ssl_ != nullptr && ready_) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
  ssl_ = nullptr;
  ready_ = failed_ = plain_pending_ = false;
  out_.clear();
  sending_.clear();
  if (shared_.lean) {
    release(out_);
    release(sending_);
  }
  owner_.on_transport_closed();
}

}  // namespace lg::engine
