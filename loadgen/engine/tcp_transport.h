// Plain TCP: a uv_tcp_t with TCP_NODELAY (requests are small and latency-bound). `final`, so a
// transport layered on top (TLS) that holds one by value calls it directly.
#pragma once
#include <uv.h>

#include <cstddef>

#include "loadgen/engine/transport.h"

namespace lg::engine {

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(TransportOwner& owner) : owner_(owner) {}
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  int connect(uv_loop_t* loop, const sockaddr* addr, const uv_buf_t* read_buffer) override;
  int write(const char* bytes, std::size_t len) override;
  void close() override;
  bool write_pending() const override { return writing_; }
  bool closing() const override { return closing_; }
  const ConnectTimes& connect_times() const override { return times_; }

 private:
  static void on_connect(uv_connect_t* req, int status);
  static void on_alloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_close(uv_handle_t* h);
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&tcp_); }

  TransportOwner& owner_;
  uv_tcp_t tcp_{};
  uv_connect_t connect_req_{};
  uv_write_t write_req_{};
  const uv_buf_t* read_buffer_ = nullptr;
  ConnectTimes times_{};
  bool open_ = false;     // tcp_ is initialised and its close callback has not run
  bool closing_ = false;  // uv_close was called on tcp_
  bool writing_ = false;  // a uv_write is pending: its callback runs before the close callback
};

}  // namespace lg::engine
