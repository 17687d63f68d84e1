// One keep-alive HTTP/1.1 client connection, owned by one worker thread. At most one request
// is in flight (no pipelining). The connection reports outcomes to its owner and never decides
// what they mean for the run; it never throws out of a libuv callback.
#pragma once
#include <uv.h>

#include <cstdint>
#include <memory>

#include "loadgen/core/counters.h"
#include "loadgen/core/pacer.h"
#include "loadgen/http/response_parser.h"

namespace lg::engine {

class Connection;

// What a connection tells its worker. All calls happen on the worker's loop thread.
class ConnectionOwner {
 public:
  virtual void on_connected(Connection& c) = 0;
  virtual void on_connect_failed(Connection& c) = 0;
  virtual void on_response(Connection& c) = 0;                 // parser holds the response
  virtual void on_failure(Connection& c, ErrorKind kind) = 0;  // request failed; closing
  virtual void on_idle_closed(Connection& c) = 0;              // server closed an idle conn
  virtual void on_closed(Connection& c) = 0;                   // handle closed; reusable
  virtual uv_buf_t* read_buffer() = 0;                         // shared per-loop read buffer

 protected:
  ~ConnectionOwner() = default;
};

// The request currently on a connection.
struct InFlight {
  DueArrival arrival;
  std::int64_t sent_ns = 0;  // actual send, ns since the run's start
};

class Connection {
 public:
  enum class State : std::uint8_t { kClosed, kConnecting, kIdle, kBusy, kClosing };

  Connection(ConnectionOwner& owner, std::size_t write_capacity);
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
  char* write_buffer() { return wbuf_.get(); }
  std::size_t write_capacity() const { return wcap_; }

  // Intrusive list of in-flight requests in send order (the worker's timeout queue).
  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool linked = false;
  // Position in the worker's idle stack, -1 when not idle there (O(1) removal).
  std::int32_t idle_slot = -1;

 private:
  static void on_connect(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_close(uv_handle_t* h);
  void consume(const char* data, std::size_t len);
  void on_eof();
  void fail(ErrorKind kind);
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  ConnectionOwner& owner_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  uv_write_t write_req_{};
  http::ResponseParser parser_;
  InFlight request_{};
  std::unique_ptr<char[]> wbuf_;
  std::size_t wcap_;
  State state_ = State::kClosed;
  bool writing_ = false;  // a uv_write is pending: its callback must run before close completes
};

}  // namespace lg::engine
