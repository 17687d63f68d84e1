// TLS over a TcpTransport it owns by value (transport.h says how the two sit together).
//
// Why a BIO of our own rather than the fd or memory BIOs: libuv owns the socket, its readiness
// and its reads, so OpenSSL must not read the fd itself (that would need a second, poll-based
// path beside TcpTransport). A memory BIO pair would copy each read once more and allocate
// as it grows. Our BIO reads the ciphertext straight from the loop's read buffer (zero copy,
// valid during the read callback: all of it is consumed before the callback returns), and
// writes ciphertext into this transport's own buffer, flushed through the TcpTransport once
// per OpenSSL call. The buffers keep their capacity across requests, so the keep-alive path
// allocates nothing (in lean mode, see TlsShared, buffers are given back when idle instead).
#pragma once
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/engine/tcp_transport.h"
#include "loadgen/engine/tls_context.h"
#include "loadgen/engine/transport.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace lg::engine {

// What a worker's TLS connections share, on its loop's thread.
struct TlsShared {
  std::shared_ptr<const TlsContext> context;
  TlsSessions sessions;
  // Plaintext out of SSL_read, consumed by the owner before the next read: one per worker.
  std::unique_ptr<char[]> plain;
  std::size_t plain_capacity = 0;
  // Many connections per worker: OpenSSL's 16 KiB+ record buffers are freed while a connection
  // is idle (SSL_MODE_RELEASE_BUFFERS, and SSL_free_buffers after each read), which costs an
  // allocation per request but brings an idle connection from about 35 KB to 17 KB.
  bool lean = false;
  // The first handshake failure's reason on this worker ("" none), for the run's result.
  std::string first_failure;
};

class TlsTransport final : public Transport, private TransportOwner {
 public:
  TlsTransport(TransportOwner& owner, TlsShared& shared);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  int connect(uv_loop_t* loop, const sockaddr* addr, const uv_buf_t* read_buffer) override;
  int write(const char* bytes, std::size_t len) override;
  void close() override;
  bool write_pending() const override { return plain_pending_; }
  bool closing() const override { return tcp_.closing(); }
  const ConnectTimes& connect_times() const override { return times_; }

 private:
  // From the TcpTransport underneath.
  void on_transport_connected() override;
  void on_transport_connect_failed(ErrorKind kind, int status) override;
  void on_transport_read(const char* data, std::size_t len) override;
  void on_transport_eof() override;
  void on_transport_read_error(int status) override;
  void on_transport_write_done(int status) override;
  void on_transport_closed() override;

  void handshake();
  void read_plaintext();
  void fail_handshake(std::string reason);
  std::string handshake_error(int ssl_error);
  int flush();

  static BIO* make_bio(TlsTransport* t);
  static int bio_read(BIO* b, char* out, int len);
  static int bio_write(BIO* b, const char* in, int len);

  TransportOwner& owner_;
  TlsShared& shared_;
  TcpTransport tcp_;
  SSL* ssl_ = nullptr;
  ConnectTimes times_{};
  const char* in_ = nullptr;  // ciphertext not yet taken by OpenSSL (inside a read callback)
  std::size_t in_len_ = 0;
  std::vector<char> out_;       // ciphertext OpenSSL wrote, not yet handed to TCP
  std::vector<char> sending_;   // ciphertext of the TCP write in progress
  bool ready_ = false;          // handshake done
  bool failed_ = false;         // handshake failed: reported once
  bool plain_pending_ = false;  // the owner's write waits for the TCP write in progress
};

}  // namespace lg::engine
