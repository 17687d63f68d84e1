// Per-request outcome counters. Plain values: summed across threads, intervals and shards.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lg {

// Why a request failed. Every failure falls in exactly one category; the run never stops on one.
enum class ErrorKind : std::uint8_t {
  kConnect,  // TCP connect failed (refused, unreachable)
  kTls,      // the TLS handshake failed (certificate verify, protocol or version mismatch)
  kTimeout,  // no complete response within the timeout, counted from the actual send
  kRead,     // connection reset or closed while a response was due
  kWrite,    // the request could not be written
  kParse,    // the response was not valid HTTP/1.1 (or more bytes than one response came)
  kHttp4xx,  // a response with status 400..499, but 429
  kHttp429,  // 429 Too Many Requests: a rate limit said no (its own kind, so an SLO can expect it)
  kHttp5xx,  // a response with status 500..599
};
inline constexpr std::size_t kErrorKinds = 9;

constexpr std::string_view error_kind_name(ErrorKind k) {
  constexpr std::array<std::string_view, kErrorKinds> names{
      "connect", "tls", "timeout", "read", "write", "parse", "http_4xx", "http_429", "http_5xx"};
  return names[static_cast<std::size_t>(k)];
}

struct Counters {
  std::uint64_t scheduled = 0;  // arrivals that came due (open loop) or were started (closed)
  std::uint64_t sent = 0;       // requests whose first byte was handed to the socket
  std::uint64_t completed = 0;  // responses with status < 400
  std::uint64_t responses = 0;  // responses of any status (completed + 4xx + 429 + 5xx)
  std::array<std::uint64_t, kErrorKinds> errors{};
  std::uint64_t late = 0;        // sent more than the late threshold after the intended time
  std::uint64_t dropped = 0;     // arrivals never sent: queue full, or no connection in time
  std::uint64_t abandoned = 0;   // cut before their own timeout: by the end of the drain after
                                 // the schedule, or by an interrupt (in flight or queued)
  std::uint64_t unrecorded = 0;  // latencies beyond the histogram's range (> 100 s)
  std::uint64_t connects = 0;    // TCP connections established
  std::uint64_t handshakes = 0;  // TLS handshakes completed (0 on http:// targets)
  std::uint64_t resumed = 0;     // of those, the ones that resumed an earlier session
  std::uint64_t bytes_in = 0;    // response body bytes

  std::uint64_t error(ErrorKind k) const { return errors[static_cast<std::size_t>(k)]; }
  void count(ErrorKind k) { ++errors[static_cast<std::size_t>(k)]; }

  std::uint64_t failed() const {
    std::uint64_t n = 0;
    for (auto e : errors) n += e;
    return n;
  }

  // Arrivals that got no good answer, whatever the reason. Every scheduled arrival ends as
  // exactly one of: completed, an error kind, dropped or abandoned (the engine tests hold it to
  // that), so this is scheduled - completed once a step is over.
  std::uint64_t unsuccessful() const { return failed() + dropped + abandoned; }

  // README "How we measure": (failed + dropped + abandoned) / scheduled; 0 when nothing was
  // scheduled. A server that answers nothing has 100 %, never 0 %.
  double error_rate() const {
    if (scheduled == 0) return 0.0;
    return static_cast<double>(std::min(unsuccessful(), scheduled)) /
           static_cast<double>(scheduled);
  }

  void add(const Counters& o) {
    scheduled += o.scheduled;
    sent += o.sent;
    completed += o.completed;
    responses += o.responses;
    for (std::size_t i = 0; i < kErrorKinds; ++i) errors[i] += o.errors[i];
    late += o.late;
    dropped += o.dropped;
    abandoned += o.abandoned;
    unrecorded += o.unrecorded;
    connects += o.connects;
    handshakes += o.handshakes;
    resumed += o.resumed;
    bytes_in += o.bytes_in;
  }

  bool operator==(const Counters&) const = default;
};

// The failure kinds with their counts, then dropped and abandoned: "timeout 128, dropped 22"
// (only the non-zero ones; "none" if there is none), or every kind when `zeros`.
std::string describe_failures(const Counters& c, bool zeros = false);

}  // namespace lg
