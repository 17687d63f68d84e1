// One keep-alive HTTP/1.1 client connection, owned by one worker thread. At most one request
// is in flight (no pipelining). The connection reports outcomes to its owner and never decides
// what they mean for the run; it never throws out of a libuv callback. The bytes travel over a
// Transport (transport.h) that owns the socket; the connection only speaks HTTP.
#pragma once
#include <uv.h>

#include <cstdint>
#include <memory>

#include "loadgen/core/counters.h"
#include "loadgen/core/pacer.h"
#include "loadgen/engine/transport.h"
#include "loadgen/engine/transport_factory.h"
#include "loadgen/http/response_parser.h"

namespace lg::engine {

class Connection;

// What a connection tells its worker. All calls happen on the worker's loop thread.
class ConnectionOwner {
 public:
  virtual void on_connected(Connection& c) = 0;
  // kind: ErrorKind::kConnect (TCP) or ErrorKind::kTls (the handshake).
  virtual void on_connect_failed(Connection& c, ErrorKind kind) = 0;
  virtual void on_response(Connection& c) = 0;                 // parser holds the response
  virtual void on_failure(Connection& c, ErrorKind kind) = 0;  // request failed; closing
  virtual void on_idle_closed(Connection& c) = 0;              // server closed an idle conn
  virtual void on_closed(Connection& c) = 0;                   // handle closed; reusable
  // A per-loop read buffer shared by the loop's connections, asked for at each open(); it
  // must outlive them.
  virtual uv_buf_t* read_buffer() = 0;

 protected:
  ~ConnectionOwner() = default;
};

// The request currently on a connection.
struct InFlight {
  DueArrival arrival;
  std::int64_t sent_ns = 0;  // actual send, ns since the run's start
};

class Connection final : private TransportOwner {
 public:
  enum class State : std::uint8_t { kClosed, kConnecting, kIdle, kBusy, kClosing };

  // The transport is made here, once: reconnects reuse it.
  Connection(ConnectionOwner& owner, std::size_t write_capacity,
             const TransportFactory& transports);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts a non-blocking connect: 0, or the negative uv error if it failed at once. Then the
  // state is kClosed when no socket could be made (e.g. UV_EMFILE: nothing to close), or
  // kClosing when the socket was made and is being closed (on_closed follows).
  int open(uv_loop_t* loop, const sockaddr* addr);
  // Writes `len` bytes from `bytes` (they must stay valid until the write completes: either
  // static request bytes, or this connection's write_buffer()). Expects state kIdle.
  void send(const char* bytes, std::size_t len, bool head, const InFlight& request);
  void close();

  State state() const { return state_; }
  bool busy() const { return state_ == State::kBusy; }
  const InFlight& request() const { return request_; }
  const http::ResponseParser& parser() const { return parser_; }
  // uv_hrtime() at the last open(), and when that connect became usable (after on_connected).
  std::uint64_t opened_ns() const { return opened_ns_; }
  const ConnectTimes& connect_times() const { return transport_->connect_times(); }
  char* write_buffer() { return wbuf_.get(); }
  std::size_t write_capacity() const { return wcap_; }

  // Intrusive list of in-flight requests in send order (the worker's timeout queue).
  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool linked = false;
  // Position in the worker's idle stack, -1 when not idle there (O(1) removal).
  std::int32_t idle_slot = -1;

 private:
  // TransportOwner
  void on_transport_connected() override;
  void on_transport_connect_failed(ErrorKind kind, int status) override;
  void on_transport_read(const char* data, std::size_t len) override;
  void on_transport_eof() override;
  void on_transport_read_error(int status) override;
  void on_transport_write_done(int status) override;
  void on_transport_closed() override;

  void fail(ErrorKind kind);

  ConnectionOwner& owner_;
  std::unique_ptr<Transport> transport_;
  http::ResponseParser parser_;
  InFlight request_{};
  std::unique_ptr<char[]> wbuf_;
  std::size_t wcap_;
  State state_ = State::kClosed;
  std::uint64_t opened_ns_ = 0;
};

}  // namespace lg::engine
