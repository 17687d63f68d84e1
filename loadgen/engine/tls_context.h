// The TLS client configuration of a run: one OpenSSL SSL_CTX made from the plan's TlsPlan,
// before any load (every file and option error is found here, so that a bad cert is exit 2,
// not a run of failed handshakes), and shared read-only by the workers (OpenSSL allows an
// SSL_CTX to make SSL objects on many threads). What changes per connection or per worker (the
// SSL object, the last session for resumption) lives in TlsTransport and TlsSessions.
#pragma once
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "loadgen/core/run_plan.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_session_st SSL_SESSION;

namespace lg::engine {

class TlsContext {
 public:
  // Errors name the option (the scenario's key, e.g. "tls.ca_file"), the file and the reason,
  // e.g. "tls.key /x/key.pem does not match tls.cert /x/cert.pem". `target` gives the default
  // server name.
  static std::expected<std::shared_ptr<const TlsContext>, std::string> create(const TlsPlan& plan,
                                                                              const Target& target);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* ctx() const { return ctx_; }
  // The name sent as SNI ("" for an IP literal: RFC 6066 forbids IP addresses there).
  const std::string& sni() const { return sni_; }
  // What the certificate must match: a DNS name or, when verify_ip(), an IP address.
  const std::string& verify_name() const { return verify_name_; }
  bool verify_ip() const { return verify_ip_; }
  bool verify() const { return verify_; }
  bool resume() const { return resume_; }

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  std::string sni_;
  std::string verify_name_;
  bool verify_ip_ = false;
  bool verify_ = true;
  bool resume_ = true;
};

// One worker's session for resumption: the newest session a server gave any of the worker's
// connections, offered by the next connection to open. Loop thread only. Holds a reference.
class TlsSessions {
 public:
  TlsSessions() = default;
  ~TlsSessions();
  TlsSessions(const TlsSessions&) = delete;
  TlsSessions& operator=(const TlsSessions&) = delete;

  // Takes over the caller's reference (OpenSSL's new-session callback hands one over).
  void keep(SSL_SESSION* s);
  SSL_SESSION* latest() const { return latest_; }

 private:
  SSL_SESSION* latest_ = nullptr;
};

// The OpenSSL error queue of this thread as one line (the reasons, most recent last), then
// cleared: "" if it is empty.
std::string take_openssl_errors();

}  // namespace lg::engine
