// The fault proxy: a TCP proxy on 127.0.0.1 that forwards every connection to one upstream and
// applies Toxics (toxics.h) to the bytes, switched at run time from any thread. The stack puts
// one between HAProxy and a replica (or the app and MariaDB) when a scenario injects network
// faults; this machine's kernel has no netem and toxiproxy is not packaged.
//
// One uv_loop on its own thread. With no toxic set, a read is written on at once from a
// buffer the connection keeps (uv_try_write; only what the socket does not take is copied):
// no timer, no allocation per chunk. With a latency/jitter/bandwidth toxic, chunks wait in a
// queue for their due time (one timer per connection). A direction whose queue holds more
// than 4 MiB stops reading until it drains below 1 MiB, so a slow line pushes back on the
// sender as a real one does.
#pragma once
#include <netinet/in.h>

#include <cstdint>
#include <memory>

#include "loadgen/faultproxy/toxics.h"

namespace lg::faultproxy {

struct ProxyStats {
  std::uint64_t accepted = 0;         // client connections accepted
  std::uint64_t upstream_failed = 0;  // of those, whose connect to the upstream failed
  std::uint64_t reset = 0;            // connections reset by the reset toxic
  std::uint64_t bytes_up = 0;         // forwarded client -> server
  std::uint64_t bytes_down = 0;       // forwarded server -> client
  std::uint64_t delayed = 0;          // chunks that waited for a due time (0 while no toxic is set)
  std::uint64_t open = 0;             // connections open now
};

class Proxy {
 public:
  // Listens on 127.0.0.1:listen_port (0: any free port) and forwards to `upstream`. Throws
  // std::runtime_error (with libuv's message) when it cannot listen.
  Proxy(std::uint16_t listen_port, const sockaddr_in& upstream);
  ~Proxy();  // closes every connection and the listener, joins the thread
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  std::uint16_t port() const;
  // Applied on the proxy's thread; returns once it is in effect there (at most 2 s), so a
  // connection made after it returns sees the new toxics.
  void set(const Toxics& toxics);
  ProxyStats stats() const;  // any thread

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lg::faultproxy
