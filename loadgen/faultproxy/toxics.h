// What the fault proxy does to the bytes it forwards (the toxiproxy idea: toxics per direction,
// switched at run time), and when one chunk of them may go out. Pure: no I/O, no clock.
//
// A chunk is what one read brought. In a direction with a latency, jitter or bandwidth toxic,
// each chunk gets a due time; chunks keep their order (a due time never precedes the one
// before it), so jitter delays but never reorders a TCP stream.
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace lg::faultproxy {

// One direction's toxics. All zero: bytes are forwarded at once, with no timer and no copy.
struct Toxic {
  std::int64_t latency_ns = 0;    // added to every chunk, >= 0
  std::int64_t jitter_ns = 0;     // +/- this much on top of the latency, uniform, >= 0; the
                                  // total delay is never below 0
  std::uint64_t bytes_per_s = 0;  // bandwidth; 0 = unlimited

  bool active() const { return latency_ns > 0 || jitter_ns > 0 || bytes_per_s > 0; }
};

struct Toxics {
  Toxic upstream;      // client -> server (requests)
  Toxic downstream;    // server -> client (responses)
  bool hang = false;   // nothing is forwarded either way; connections are accepted and held
                       // open (reads stop, so the sender's buffers fill); clearing it resumes
  bool reset = false;  // every connection is reset (RST to both sides) when it is set, and
                       // every new one as it is accepted, for as long as it stays set
};

// The pacing of one direction of one connection.
class Lane {
 public:
  // When a chunk of `bytes` that arrived at `arrival_ns` may go out under `t`. `u` in [-1, 1]
  // draws the jitter (the caller's random source). With a bandwidth, the chunk goes when its
  // last byte would have crossed a line of that rate that was busy with the chunks before it.
  std::int64_t due(std::int64_t arrival_ns, std::size_t bytes, const Toxic& t, double u);

 private:
  std::int64_t last_due_ = 0;
};

// The toxics as written on the proxy's control line: space-separated key=value, any order,
// anything left out is off. Keys: up.latency_ms, up.jitter_ms, up.kbps, down.latency_ms,
// down.jitter_ms, down.kbps (numbers >= 0; kbps = 1000 bytes/s, 0 = unlimited), hang, reset
// (0 or 1). "" (or "clear") is no toxic. Errors name the key and what is accepted.
std::expected<Toxics, std::string> parse_toxics(std::string_view text);

}  // namespace lg::faultproxy
