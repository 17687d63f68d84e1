// RunPlan: everything the engine needs to run, and nothing else, as typed values. Built by
// scenarios/ (from a scenario file) or by the CLI (ad hoc form); the engine never sees JSON,
// the system under test (scenarios/scenario.h adds the stack and the SLOs) or the verdict.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lg {

// One request of the mix. `path` and `body` may hold placeholders, expanded per request:
//   {{seq}}          the arrival's global sequence number (0-based, unique across threads/shards)
//   {{rand A B}}     a uniform integer in [A, B] (0 <= A <= B < 2^63), deterministic per arrival
struct RequestSpec {
  std::string method = "GET";  // any token; HEAD responses are parsed without a body
  std::string path = "/";      // origin-form, starts with '/'
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, sent as given
  std::string body;          // sent with Content-Length when non-empty
  std::uint32_t weight = 1;  // relative share in the mix, >= 1
};

enum class Arrival { kConstant, kPoisson };

// The shortest step: libuv timers tick in whole milliseconds, so a shorter step cannot be
// scheduled (its rate would be a rounding artefact).
inline constexpr std::int64_t kMinStepNs = 1'000'000;

// A step of the schedule: the arrival rate goes linearly from `start_rate` to `end_rate`
// (requests per second, >= 0) over `duration_ns` (>= kMinStepNs). A flat step has start == end.
struct StepPlan {
  std::string label;             // e.g. "100 users"; for reports
  std::uint32_t users = 0;       // virtual users (0 for ad hoc runs); rate = users x rate_per_user
  double start_rate = 0;         // requests/s at the step's start
  double end_rate = 0;           // requests/s at the step's end
  std::int64_t duration_ns = 0;  // > 0
  bool warmup = false;           // excluded from verdicts (still reported)
};

struct Target {
  std::string host = "127.0.0.1";  // IPv4 literal or name resolved once at start
  std::uint16_t port = 80;         // 80 for http://, 443 for https:// unless the URL says
  bool tls = false;                // https://: every connection is a TLS client
  std::string host_header;         // "Host:" value; defaults to host[:port]
  std::string base_path;           // prefix joined to each request path ("" or "/prefix")
};

enum class LoopMode { kOpen, kClosed };

// TLS versions by their protocol names; kAny leaves OpenSSL's default (1.2 and 1.3 today).
enum class TlsVersion : std::uint8_t { kAny, k1_0, k1_1, k1_2, k1_3 };
inline constexpr std::string_view kTlsVersionNames[] = {"any", "1.0", "1.1", "1.2", "1.3"};
constexpr std::string_view tls_version_name(TlsVersion v) {
  return kTlsVersionNames[static_cast<std::size_t>(v)];
}

// How an https:// target is spoken to. Meaningless (and refused by the loaders) for http://.
struct TlsPlan {
  std::string server_name;  // SNI and the name verified; "" = the target's host (an IP
                            // literal is verified as an IP and sends no SNI, RFC 6066)
  bool insecure = false;    // skip certificate verification (the handshake still happens)
  std::string ca_file;      // PEM trust anchors; "" = the system store (/etc/ssl/certs)
  std::string cert_file;    // client certificate chain (PEM); with key_file, or neither
  std::string key_file;     // its private key (PEM, unencrypted)
  TlsVersion min_version = TlsVersion::kAny;
  TlsVersion max_version = TlsVersion::kAny;
  bool resume = true;  // offer the worker's last session on a new connection (tickets or IDs)
};

// The scenario key of the first option that differs from its default ("tls.insecure", ...),
// "" when none does: an http:// target with one set is refused.
inline std::string_view tls_option_in_use(const TlsPlan& t) {
  if (!t.server_name.empty()) return "tls.server_name";
  if (t.insecure) return "tls.insecure";
  if (!t.ca_file.empty()) return "tls.ca_file";
  if (!t.cert_file.empty()) return "tls.cert";
  if (!t.key_file.empty()) return "tls.key";
  if (t.min_version != TlsVersion::kAny) return "tls.min_version";
  if (t.max_version != TlsVersion::kAny) return "tls.max_version";
  if (!t.resume) return "tls.resume";
  return {};
}

// A timed action: something done to the system under test at a planned moment of the run
// (fault injection: kill or pause a replica, ...). Pure data here; what a kind does is up to
// the executor the app hands the engine (loadgen/actions/), never the engine itself.
struct TimedAction {
  std::int64_t at_ns = 0;   // ns since the run's t = 0 (the first step's start), in [0, length)
  std::string kind;         // one of the scenario's accepted kinds (scenarios/scenario_keys.cpp)
  std::string target;       // what it acts on, as the kind reads it (e.g. a replica); may be ""
  std::uint32_t fault = 0;  // from the scenario's "faults": 1 + the fault's index (a "pause"
                            // and the "resume" that ends it share it); 0 = not a fault
  // What the kind needs besides its target, as its executor reads it: a network fault's
  // toxics ("down.latency_ms=200", the fault proxy's control syntax), a cpu fault's
  // "cores=N seconds=S"; "" for the others.
  std::string params = {};
};

struct RunPlan {
  std::string name = "adhoc";
  Target target;
  std::vector<RequestSpec> requests{RequestSpec{}};
  LoopMode mode = LoopMode::kOpen;
  Arrival arrival = Arrival::kConstant;
  std::vector<StepPlan> steps;    // open loop: the schedule; closed loop: durations only
  std::uint32_t connections = 0;  // closed loop: connections; open loop: cap (0 = automatic)
  bool preconnect = false;        // open loop: open all `connections` at start and keep them
  bool keepalive = true;      // false: one request per connection ("Connection: close" sent, and
                              // the client closes after each response), to load connects/handshakes
  TlsPlan tls;                // used when target.tls
  std::uint32_t threads = 0;  // worker threads (0 = hardware concurrency)
  std::int64_t timeout_ns = 5'000'000'000;        // per request, from the actual send
  std::int64_t late_threshold_ns = 10'000'000;    // a send later than this is counted late
  std::int64_t max_dispatch_lag_ns = 10'000'000;  // generator saturated if p99 lag exceeds it
  std::uint64_t seed = 1;                         // for Poisson gaps, request mix and {{rand}}
  std::uint32_t shard_index = 0;  // this process runs arrivals k with k % shard_count == index
  std::uint32_t shard_count = 1;
  std::vector<TimedAction> actions;  // fired on the run's clock by the coordinator, in `at` order

  std::int64_t total_duration_ns() const {
    std::int64_t t = 0;
    for (const auto& s : steps) t += s.duration_ns;
    return t;
  }
};

}  // namespace lg
