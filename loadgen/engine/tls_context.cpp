#include "loadgen/engine/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace lg::engine {
namespace {

// "\x08http/1.1": ALPN's wire format (length-prefixed names). The engine speaks HTTP/1.1 only.
constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

int version_code(TlsVersion v) {
  switch (v) {
    case TlsVersion::kAny:
      return 0;  // OpenSSL: no bound
    case TlsVersion::k1_0:
      return TLS1_VERSION;
    case TlsVersion::k1_1:
      return TLS1_1_VERSION;
    case TlsVersion::k1_2:
      return TLS1_2_VERSION;
    case TlsVersion::k1_3:
      return TLS1_3_VERSION;
  }
  return 0;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A file must be there and readable before OpenSSL is asked to parse it: its own message for
// a missing file ("system lib") says less than strerror does.
std::string unreadable(const char* key, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return std::string(key) + " " + path + ": cannot be read: " + std::strerror(errno);
  }
  std::fclose(f);
  return {};
}

// OpenSSL's new-session callback: a client session (or TLS 1.3 ticket) for later resumption.
// The SSL's ex data 0 (OpenSSL's "app data") is its worker's TlsSessions (set by TlsTransport);
// returning 1 keeps the reference OpenSSL hands over.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* sessions = static_cast<TlsSessions*>(SSL_get_ex_data(ssl, 0));
  if (sessions == nullptr) return 0;
  sessions->keep(session);
  return 1;
}

// Encrypted keys would make OpenSSL prompt on the terminal; refuse them instead.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

std::string load_files(SSL_CTX* ctx, const TlsPlan& p) {
  if (!p.ca_file.empty()) {
    if (auto e = unreadable("tls.ca_file", p.ca_file); !e.empty()) return e;
    if (SSL_CTX_load_verify_locations(ctx, p.ca_file.c_str(), nullptr) != 1) {
      return "tls.ca_file " + p.ca_file + ": no PEM certificate could be read from it (" +
             take_openssl_errors() + ")";
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return "the system's certificate store could not be loaded (" + take_openssl_errors() + ")";
  }
  if (p.cert_file.empty() != p.key_file.empty()) {
    return p.cert_file.empty() ? "tls.key needs tls.cert (the client certificate) as well"
                               : "tls.cert needs tls.key (its private key) as well";
  }
  if (p.cert_file.empty()) return {};
  if (auto e = unreadable("tls.cert", p.cert_file); !e.empty()) return e;
  if (auto e = unreadable("tls.key", p.key_file); !e.empty()) return e;
  if (SSL_CTX_use_certificate_chain_file(ctx, p.cert_file.c_str()) != 1) {
    return "tls.cert " + p.cert_file + ": not a PEM certificate (" + take_openssl_errors() + ")";
  }
  SSL_CTX_set_default_passwd_cb(ctx, &no_passphrase);
  const std::string mismatch = "tls.key " + p.key_file + " does not match tls.cert " + p.cert_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, p.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL checks the pair as it loads the key: its "key values mismatch" is ours.
    const auto why = take_openssl_errors();
    if (why.find("mismatch") != std::string::npos) return mismatch;
    return "tls.key " + p.key_file + ": not an unencrypted PEM private key (" + why + ")";
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    take_openssl_errors();
    return mismatch;
  }
  return {};
}

}  // namespace

std::string take_openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return out;
}

std::expected<std::shared_ptr<const TlsContext>, std::string> TlsContext::create(
    const TlsPlan& plan, const Target& target) {
  std::shared_ptr<TlsContext> t(new TlsContext());
  t->ctx_ = SSL_CTX_new(TLS_client_method());
  if (t->ctx_ == nullptr) return std::unexpected("TLS: " + take_openssl_errors());
  SSL_CTX* ctx = t->ctx_;
  const int lo = version_code(plan.min_version);
  const int hi = version_code(plan.max_version);
  if (lo != 0 && hi != 0 && lo > hi) {
    return std::unexpected(std::string("tls.min_version is above tls.max_version"));
  }
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
    return std::unexpected("tls.min_version/max_version: " + take_openssl_errors());
  }
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
  if (auto e = load_files(ctx, plan); !e.empty()) return std::unexpected(e);

  const std::string& name = plan.server_name.empty() ? target.host : plan.server_name;
  t->verify_ip_ = is_ip_literal(name);
  t->sni_ = t->verify_ip_ ? std::string() : name;
  t->verify_name_ = name;
  t->verify_ = !plan.insecure;
  if (t->verify_) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    const int ok = t->verify_ip_ ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                 : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    if (ok != 1) return std::unexpected("tls.server_name '" + name + "': " + take_openssl_errors());
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  t->resume_ = plan.resume;
  if (plan.resume) {
    // The client keeps sessions itself (per worker, TlsSessions): OpenSSL's internal store is
    // a server-side notion and would take a lock per connection.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, &on_new_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  return std::shared_ptr<const TlsContext>(std::move(t));
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

TlsSessions::~TlsSessions() {
  SSL_SESSION_free(latest_);
}

void TlsSessions::keep(SSL_SESSION* s) {
  SSL_SESSION_free(latest_);
  latest_ = s;
}

}  // namespace lg::engine
