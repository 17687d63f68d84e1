// Where a stack run keeps its state and which loopback ports it uses. Everything lives under
// one run directory; every listener is on 127.0.0.1.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace lg::stack {

// Ports are a block starting at `base`: two stacks side by side use different blocks.
struct Ports {
  std::uint16_t base = 18000;
  std::uint16_t haproxy() const { return base; }            // the frontend: the stack's URL
  std::uint16_t stats() const { return base + 1; }          // HAProxy stats page and /metrics
  std::uint16_t mariadb() const { return base + 2; }        // MariaDB TCP (also a unix socket)
  std::uint16_t autoscaler() const { return base + 3; }     // the autoscaler's /health, /metrics
  std::uint16_t https() const { return base + 4; }          // HAProxy's TLS frontend
  std::uint16_t fault_control() const { return base + 5; }  // the fault proxy's control line
  std::uint16_t db_proxy() const { return base + 6; }       // its route to MariaDB's TCP port
  std::uint16_t replica(std::uint32_t i) const {            // replica i's nginx, i >= 1
    return static_cast<std::uint16_t>(base + 10 + i);
  }
  // Where HAProxy reaches replica i when the fault proxy stands in front of the replicas
  // (a scenario with network faults): the proxy listens here and forwards to replica(i).
  std::uint16_t replica_proxy(std::uint32_t i) const {
    return static_cast<std::uint16_t>(base + kReplicaRange + 10 + i);
  }
  static constexpr std::uint32_t kReplicaRange = 64;  // base+11 .. base+63: room for 53 replicas
  static constexpr std::uint32_t kBlockSize = 2 * kReplicaRange;  // and their proxy ports
};

struct Layout {
  std::filesystem::path dir;  // the run directory, e.g. /tmp/loadgen-stack/run-12345
  std::filesystem::path logs() const { return dir / "log"; }
  std::filesystem::path www() const { return dir / "www"; }  // the PHP app and static files
  std::filesystem::path mysql_datadir() const { return dir / "mysql"; }
  std::filesystem::path mysql_socket() const { return dir / "mysql.sock"; }
  std::filesystem::path haproxy_dir() const { return dir / "haproxy"; }
  std::filesystem::path haproxy_socket() const { return dir / "haproxy" / "admin.sock"; }
  // The certificate made at bring-up (tls_cert.h): what a client trusts, its key (0600), and
  // both in one file for HAProxy's `crt` (0600).
  std::filesystem::path tls_dir() const { return dir / "tls"; }
  std::filesystem::path tls_cert() const { return tls_dir() / "cert.pem"; }
  std::filesystem::path tls_key() const { return tls_dir() / "key.pem"; }
  std::filesystem::path haproxy_pem() const { return tls_dir() / "haproxy.pem"; }
  std::filesystem::path replica_dir(std::uint32_t i) const {
    return dir / ("replica-" + std::to_string(i));
  }
  std::filesystem::path fpm_socket(std::uint32_t i) const {
    return replica_dir(i) / "php-fpm.sock";
  }
  std::filesystem::path autoscaler_dir() const { return dir / "autoscaler"; }
  // The autoscaler's scale events, one JSON object a line (reports/result/stack_events.h reads it).
  std::filesystem::path events_file() const { return autoscaler_dir() / "events.jsonl"; }
};

// The supervisor's names for replica i's processes (and its listener's, in `stack status`).
inline constexpr std::string_view kNginxPrefix = "nginx-";
inline constexpr std::string_view kFpmPrefix = "fpm-";
inline std::string nginx_name(std::uint32_t i) {
  return std::string(kNginxPrefix) + std::to_string(i);
}
inline std::string fpm_name(std::uint32_t i) {
  return std::string(kFpmPrefix) + std::to_string(i);
}

}  // namespace lg::stack
