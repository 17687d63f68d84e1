// Small blocking HTTP/TCP helpers for the stack: readiness probes (GET /health on a replica or
// through HAProxy), stack tests, and picking free loopback ports.
//
// Plain POSIX sockets, no event loop: one request per connection ("Connection: close"), bounded
// by a timeout waited on with poll(). Nothing throws. Not a load generator: the engine has its
// own client.
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "stack/http_reply.h"  // HttpReply, parse_http_reply

namespace lg::stack {

// GET http://host:port/path with "Connection: close"; reads until the response is complete
// (Content-Length reached, last chunk seen) or the server closes (close-delimited body).
// `host` is a numeric IPv4 or IPv6 address (no DNS: probes are loopback only); `path` starts with
// '/'. The whole exchange, connect included, is bounded by `timeout`. Any status is a reply;
// errors are connection failures, a timeout, and malformed or truncated responses.
std::expected<HttpReply, std::string> http_get(std::string_view host, std::uint16_t port,
                                               std::string_view path,
                                               std::chrono::milliseconds timeout);

// True if a listener could bind 127.0.0.1:port now: binds and listens with SO_REUSEADDR, as
// nginx, HAProxy and MariaDB do (so TIME_WAIT leftovers do not make a port look taken), then
// closes. Port 0 is never "free". Only a hint: another process may take the port afterwards.
bool tcp_port_free(std::uint16_t port);

// The first base among first_base, first_base + block_size, ... (`tries` candidates) such that
// every port in [base, base + block_size) is free (tcp_port_free). Blocks never pass 65535.
// Error when none is.
std::expected<std::uint16_t, std::string> find_free_port_block(std::uint16_t first_base,
                                                               std::uint32_t block_size,
                                                               std::uint32_t tries);

}  // namespace lg::stack
