// The byte stream under a Connection (after wrk's `struct sock`): connect, read, write, close.
// Connection speaks HTTP over it and never sees the socket; the transport owns the handle.
//
// Why a virtual interface: the transport is chosen at run time (one enum in WorkerConfig), and a
// template would make Connection, and with it Worker, a template per transport. What it costs
// on the keep-alive path is one indirect call per write (Connection -> Transport::write) and
// one per read (TcpTransport -> TransportOwner::on_transport_read); the read buffer is handed
// over once per connect, so libuv's alloc callback makes none (before the seam it made one, to
// ConnectionOwner::read_buffer). Measured with cachegrind (closed loop against nginx): the
// connection and transport code runs 93 instructions per request, 83 before the seam, of
// about 5,000 per request in all. Nothing here allocates after the transport was made: it is
// made once per Connection object and reused across reconnects.
//
// How TLS sits on this: a TLS transport owns a TcpTransport by value (final class, so its calls
// to it are direct) and is that TcpTransport's owner. It gets ciphertext in on_transport_read,
// feeds its memory BIO, and hands plaintext to its own owner (the Connection); a write takes
// plaintext and writes ciphertext through the TcpTransport. Reading starts at the TCP connect,
// so the handshake can read and write before anything is reported; the TLS transport reports
// on_transport_connected only when the handshake is done ("ready for plaintext"), and a
// failed handshake as on_transport_connect_failed. TCP takes one write at a time, so the TLS
// transport holds its ciphertext in its own buffer while write_pending() and sends the rest on
// on_transport_write_done.
#pragma once
#include <uv.h>

#include <cstddef>
#include <cstdint>

#include "loadgen/core/counters.h"

namespace lg::engine {

// Which transport a worker's connections use.
enum class TransportKind : std::uint8_t { kTcp, kTls };

// When a connection became usable, in uv_hrtime() ns: TCP established, then ready for the
// first request (the same instant for plain TCP; after the handshake for TLS).
struct ConnectTimes {
  std::uint64_t established_ns = 0;
  std::uint64_t ready_ns = 0;
  bool tls = false;
  bool resumed = false;  // TLS: the handshake resumed an earlier session
};

// What a transport tells its owner. All calls happen on the loop's thread, from libuv
// callbacks; none comes from inside a Transport call made by the owner, so the owner may call
// back into the transport (write, close) from any of them.
class TransportOwner {
 public:
  // Ready for write(); reading has started.
  virtual void on_transport_connected() = 0;
  // The connect failed (ErrorKind::kConnect, `status` its negative uv error) or the TLS
  // handshake did (ErrorKind::kTls, UV_EPROTO). The transport stays open: the owner closes it.
  virtual void on_transport_connect_failed(ErrorKind kind, int status) = 0;
  // Bytes for the owner (plaintext). They live in the read buffer given to connect(), valid
  // until this call returns.
  virtual void on_transport_read(const char* data, std::size_t len) = 0;
  // The peer closed its side (orderly). The owner closes the transport.
  virtual void on_transport_eof() = 0;
  // Reading failed (a negative uv error: a reset, ...). The owner closes the transport.
  virtual void on_transport_read_error(int status) = 0;
  // A write that write() had to queue ended: 0, or a negative uv error (UV_ECANCELED when the
  // transport was closed first). Never called for a write that completed inside write().
  virtual void on_transport_write_done(int status) = 0;
  // The handle is closed: the transport may be connected again.
  virtual void on_transport_closed() = 0;

 protected:
  ~TransportOwner() = default;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Starts a non-blocking connect to `addr`; reads go into `*read_buffer` (it must outlive
  // the connection: a per-loop buffer is shared by all of a loop's connections, since a read
  // is consumed before the next one). Returns 0 (then on_transport_connected or
  // on_transport_connect_failed follows, unless close() comes first), or a negative uv error
  // if it failed at once: then closing() says whether a handle was made and is being closed
  // (on_transport_closed follows) or nothing was made (e.g. UV_EMFILE: nothing to close).
  virtual int connect(uv_loop_t* loop, const sockaddr* addr, const uv_buf_t* read_buffer) = 0;
  // Writes `len` bytes after on_transport_connected. They must stay valid until the write is
  // done: when write() returns, unless write_pending() is true (then until
  // on_transport_write_done). At most one write may be pending: a Connection has one request
  // in flight. Returns 0 (written, or queued), or a negative uv error if it failed at once.
  virtual int write(const char* bytes, std::size_t len) = 0;
  // Stops reading and closes the handle; on_transport_closed follows. A connect in progress is
  // abandoned without a report. No-op when closed or already closing.
  virtual void close() = 0;

  // A write is queued (see write()).
  virtual bool write_pending() const = 0;
  // close() was called (or a connect failed at once) and on_transport_closed has not come yet.
  virtual bool closing() const = 0;
  // Valid from on_transport_connected until the next connect().
  virtual const ConnectTimes& connect_times() const = 0;
};

}  // namespace lg::engine
