// A scriptable loopback HTTP/1.1 server for loop tests of the load generator.
//
// The server runs its own uv_loop in its own std::thread and listens on 127.0.0.1 on an
// ephemeral port. Requests are parsed with llhttp; pipelined requests on one connection are
// answered strictly in order. What a request gets is chosen by its path (the query is ignored),
// so one server can serve a mix:
//
//   /              200, body "ok" (Content-Length), keep-alive. Also any path not listed here.
//   /status/NNN    status NNN (200..599), body "status NNN"; 204 and 304 have no body and no
//                  Content-Length. NNN out of range or not a number: 400, body "bad path".
//   /delay/MS      200 "ok", written MS milliseconds (0..600000) after the request was received,
//                  measured with uv_hrtime; never earlier. Other connections are served meanwhile;
//                  later requests on the same connection wait behind it (HTTP/1.1 order).
//   /hang          never answered. Requests behind it on the connection are never answered
//                  either. The connection stays open until the client closes or stop().
//   /reset         headers with Content-Length: 100, then 10 body bytes, then a TCP reset
//                  (uv_tcp_close_reset). The client sees ECONNRESET or EOF before the body ends.
//   /close         200 "ok" with "Connection: close", then the server closes after writing.
//   /garbage      bytes that are not HTTP ("SSH-2.0-..."), then a graceful close. Counted as a
//                  response (the bytes were written).
//   /short        headers with Content-Length: 1000, then 10 body bytes, then a graceful close
//                  (FIN): the body is cut short. Not counted as a response.
//   /chunked       200, Transfer-Encoding: chunked, three chunks, body "hello world".
//   /eof           200 with "Connection: close" and neither Content-Length nor chunking: the
//                  body "close-delimited body" ends when the server closes (needs llhttp_finish).
//   /bytes/N       200 with an N-byte body of 'x' (N in 0..64 MiB; larger: 400 "bad path").
//   malformed      400 "bad request" with "Connection: close", then close.
//
// HEAD gets the same headers without a body. A request whose own headers ask to close (for
// example "Connection: close") is answered with "Connection: close" and then the connection is
// closed.
//
// How the server closes. Every close after a response (/close, /eof, close_after, a closing
// request, a malformed one) is graceful: the server writes the response, shuts down its write
// side (FIN), keeps reading and discarding until the client closes, then closes. So the client
// sees EOF, never a reset, even if it had already sent more requests. Once a closing request has
// been parsed, the server stops parsing that connection: requests pipelined behind it are never
// answered and not counted by requests(). EOF or an error from the client closes the connection
// at once, dropping any responses not yet written (a client that half-closes gets nothing).
//
// Thread safety: the counters and wait_until() may be used from any thread; everything else
// lives on the server thread. The server blocks SIGPIPE in its own thread only, so a client
// that vanishes mid-response costs the server an EPIPE, not the process. Test clients that write
// to a socket the server closed should use send(..., MSG_NOSIGNAL) or ignore SIGPIPE themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace lg::test {

struct ServerOptions {
  // Close each connection after it has sent this many responses, silently (the last response
  // carries no "Connection: close"), like a server with a keep-alive request limit.
  // 0 = never. Requests pipelined past the limit are neither answered nor counted (see above).
  std::uint64_t close_after = 0;
  // Stall: when the stall_after-th request (counting from 1, over all connections) has been
  // received, the server holds every response -- that request's own, ones already in progress
  // (waiting delays, queued pipelined responses) and ones for requests arriving meanwhile --
  // for stall_ms milliseconds (uv_hrtime, never less), then releases them all: in order on each
  // connection, connections in the order they were accepted. The stall happens once.
  // Connections are still accepted and requests still read and counted during the stall.
  // 0 in either field = no stall. A /delay still due after the stall is answered when due.
  std::uint64_t stall_after = 0;
  std::uint32_t stall_ms = 0;
  // Bind the port but never listen: connecting to port() fails with ECONNREFUSED, and the port
  // stays reserved (nobody else can take it) for as long as the server lives.
  bool refuse = false;
  // Accept each connection, then close it at once (graceful FIN) without reading a byte.
  bool close_on_accept = false;
  // Every slow_every-th request (counting from 1 over all connections) is answered slow_ms
  // milliseconds late (as /delay/slow_ms). 0 = none; 2 = every second request.
  std::uint64_t slow_every = 0;
  std::uint32_t slow_ms = 0;
};

class TestServer {
 public:
  // Binds 127.0.0.1:0 (and listens unless options.refuse), then starts the server thread.
  // Throws std::runtime_error (with libuv's message) if the loop cannot be set up or the port
  // cannot be bound or listened on.
  explicit TestServer(ServerOptions options = {});
  // Calls stop().
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  TestServer(TestServer&&) = delete;
  TestServer& operator=(TestServer&&) = delete;

  // The bound port (host byte order). Constant for the server's life.
  std::uint16_t port() const;
  // Requests fully received and parsed (on_message_complete), over all connections.
  std::uint64_t requests() const;
  // Responses fully handed to the kernel (write callback with status 0). /reset's partial
  // response is not counted; a response cut short by a vanished client is not counted.
  std::uint64_t responses() const;
  // Connections accepted.
  std::uint64_t connections() const;
  // Connections accepted and not yet fully closed (decremented in the last close callback).
  std::uint64_t open_connections() const;

  // Blocks until predicate() is true or timeout passes; returns predicate()'s last value.
  // The predicate is re-evaluated whenever a counter changes, so it should read the counters,
  // e.g. [&] { return server.open_connections() == 0; }. No polling, no sleeps. After stop()
  // the counters are final and the predicate is evaluated once. Call it from any thread but the
  // server's (it is never needed inside the server).
  bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) const;

  // Stops the loop from the calling thread (uv_async_send), closes every handle (connections,
  // timers, listener), joins the server thread and closes the loop. Idempotent and thread-safe.
  // After it the counters are final and loop_closed_cleanly() is meaningful.
  void stop();
  // True once stop() has returned and uv_loop_close returned 0, which proves no handle leaked.
  // False before stop().
  bool loop_closed_cleanly() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lg::test
