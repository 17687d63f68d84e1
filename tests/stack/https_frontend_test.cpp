// HAProxy's web frontends for real: TLS termination with the certificate made at bring-up,
// security headers on every kind of answer (the app's, nginx's static files, errors, HAProxy's
// own 308 and 429), the redirect to HTTPS and the per-IP limits. A small blocking OpenSSL
// client reads raw responses, headers included (the engine counts responses, it keeps no
// headers). Tagged [stack] (ctest label "stack").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "stack/embedded_stack.h"
#include "stack/http_probe.h"
#include "stack/http_reply.h"
#include "stack/tls_cert.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace {

using namespace lg::stack;
using lg::test::TempDir;

std::unique_ptr<EmbeddedStack> bring_up(const TempDir& root, const FrontendOptions& front) {
  StackOptions o;
  o.replicas = 1;
  o.max_replicas = 2;
  o.root = root.path();
  o.front = front;
  auto s = EmbeddedStack::up(o);
  INFO((s ? std::string() : s.error()));
  REQUIRE(s.has_value());
  return std::move(*s);
}

// A TCP connection to 127.0.0.1:port, reads bounded by 5 s; -1 when it fails.
int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct TlsOutcome {
  std::string error;    // empty: the handshake and the exchange worked
  std::string version;  // "TLSv1.3", ...
  std::string alpn;     // the protocol the server chose
  std::string group;    // the certificate's curve, e.g. "prime256v1"
  HttpReply reply;
};

struct TlsClientOptions {
  std::string ca_file;
  int max_version = 0;  // 0: the library's highest
};

std::string ssl_error() {
  const unsigned long e = ERR_get_error();
  char buf[256] = "unknown";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// GET path over TLS with "Connection: close", verifying the server against o.ca_file for the
// address 127.0.0.1, offering ALPN http/1.1.
TlsOutcome tls_get(std::uint16_t port, const std::string& path, const TlsClientOptions& o) {
  TlsOutcome out;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), o.ca_file.c_str(), nullptr) != 1) {
    out.error = "CA file: " + ssl_error();
    return out;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
  if (o.max_version) SSL_CTX_set_max_proto_version(ctx.get(), o.max_version);
  // TLS 1.0/1.1 need security level 0 in OpenSSL 3: offer them, so the refusal is HAProxy's.
  SSL_CTX_set_security_level(ctx.get(), 0);
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx.get(), kAlpn, sizeof kAlpn);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
  const int fd = connect_loopback(port);
  if (fd < 0) {
    out.error = "connect failed";
    return out;
  }
  SSL_set_fd(ssl.get(), fd);
  if (SSL_connect(ssl.get()) != 1) {
    out.error = "handshake: " + ssl_error();
    ::close(fd);
    return out;
  }
  out.version = SSL_get_version(ssl.get());
  const unsigned char* proto = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl.get(), &proto, &len);
  out.alpn.assign(reinterpret_cast<const char*>(proto), len);
  if (X509* peer = SSL_get1_peer_certificate(ssl.get())) {
    char name[64] = "";
    std::size_t n = 0;
    if (EVP_PKEY_get_group_name(X509_get0_pubkey(peer), name, sizeof name, &n)) out.group = name;
    X509_free(peer);
  }
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  SSL_write(ssl.get(), req.data(), static_cast<int>(req.size()));
  HttpReplyReader reader;
  char buf[16384];
  for (;;) {
    const int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) {
      if (auto f = reader.finish(); !f) out.error = "response: " + f.error();
      break;
    }
    auto done = reader.add(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!done) {
      out.error = "response: " + done.error();
      break;
    }
    if (*done) break;
  }
  out.reply = reader.take_reply();
  ::close(fd);
  return out;
}

HttpReply plain_get(const EmbeddedStack& s, const std::string& path) {
  auto r = http_get("127.0.0.1", s.ports().haproxy(), path, std::chrono::seconds(5));
  INFO(path << ": " << (r ? std::string() : r.error()));
  REQUIRE(r.has_value());
  return *r;
}

// Every header of kSecurityHeaders, with its value; HSTS exactly when `https`.
void check_security_headers(const HttpReply& r, bool https) {
  for (const auto& h : kSecurityHeaders) {
    INFO("status " << r.status << ", header " << h.name);
    const std::string* v = r.header(h.name);
    if (h.https_only && !https) {
      CHECK(v == nullptr);
      continue;
    }
    REQUIRE(v != nullptr);
    CHECK(*v == h.value);
  }
}

}  // namespace

TEST_CASE("https frontend: TLS with the bring-up certificate and security headers on every answer",
          "[stack]") {
  TempDir root;
  const auto s = bring_up(root, {});
  const std::string ca = s->tls_cert().string();
  const std::uint16_t tls_port = s->ports().https();
  CHECK(s->https_url() == "https://127.0.0.1:" + std::to_string(tls_port));

  // The key files are the owner's alone; the certificate is for anyone to trust.
  struct stat st {};
  REQUIRE(::stat(s->layout().tls_key().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(s->layout().haproxy_pem().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  SECTION("the handshake verifies for 127.0.0.1, negotiates http/1.1 and an ECDSA P-256 key") {
    const auto r = tls_get(tls_port, "/api/item?id=1", {ca});
    INFO(r.error);
    REQUIRE(r.error.empty());
    CHECK(r.version == "TLSv1.3");
    CHECK(r.alpn == "http/1.1");
    CHECK(r.group == "prime256v1");
    CHECK(r.reply.status == 200);
    check_security_headers(r.reply, true);
  }
  SECTION("TLS 1.2 is accepted, 1.1 and 1.0 are refused") {
    const auto v12 = tls_get(tls_port, "/static/hello.txt", {ca, TLS1_2_VERSION});
    INFO(v12.error);
    CHECK(v12.error.empty());
    CHECK(v12.version == "TLSv1.2");
    for (const int v : {TLS1_1_VERSION, TLS1_VERSION}) {
      const auto old = tls_get(tls_port, "/static/hello.txt", {ca, v});
      INFO("version " << v);
      CHECK_THAT(old.error, Catch::Contains("handshake"));
    }
  }
  SECTION("a client that does not trust the certificate fails verification") {
    TempDir other;
    const auto stranger = other.path() / "other.pem";
    REQUIRE(make_self_signed({stranger, other.path() / "k.pem", other.path() / "c.pem"}));
    const auto r = tls_get(tls_port, "/", {stranger.string()});
    CHECK_THAT(r.error, Catch::Contains("certificate verify failed"));
  }
  SECTION("headers over HTTPS: the app, a static file, an app 404, an nginx 404") {
    for (const char* path :
         {"/api/item?id=2", "/static/hello.txt", "/api/missing", "/static/missing.txt"}) {
      const auto r = tls_get(tls_port, path, {ca});
      INFO(path << ": " << r.error);
      REQUIRE(r.error.empty());
      CHECK(r.reply.status == (std::string(path).find("missing") == std::string::npos ? 200 : 404));
      check_security_headers(r.reply, true);
    }
  }
  SECTION("headers over plain HTTP, without HSTS (it means nothing there)") {
    for (const char* path : {"/api/item?id=2", "/static/hello.txt", "/api/missing"}) {
      const auto r = plain_get(*s, path);
      INFO(path);
      CHECK(r.status == (std::string(path).find("missing") == std::string::npos ? 200 : 404));
      check_security_headers(r, false);
    }
  }
}

TEST_CASE("https frontend: the redirect, and 429 over the per-IP rate and connection limits",
          "[stack]") {
  TempDir root;
  FrontendOptions front;
  front.redirect = true;
  front.limits = {.enabled = true, .rate = 5, .burst = 0, .ceiling = 1000, .connections = 2};
  const auto s = bring_up(root, front);
  const std::string ca = s->tls_cert().string();

  SECTION("plain HTTP answers 308 to the same path and query over HTTPS") {
    const auto r = plain_get(*s, "/api/item?id=7");
    CHECK(r.status == 308);
    const std::string* where = r.header("Location");
    REQUIRE(where != nullptr);
    CHECK(*where == s->https_url() + "/api/item?id=7");
    check_security_headers(r, false);
  }
  SECTION("over the rate: 429 with Retry-After, security headers and a reason") {
    // At most rate + burst = 5 accepted in any second (the bring-up probe's request counts too).
    int accepted = 0;
    TlsOutcome refused;
    for (int i = 0; i < 20; ++i) {
      auto r = tls_get(s->ports().https(), "/api/item?id=1", {ca});
      INFO(r.error);
      REQUIRE(r.error.empty());
      if (r.reply.status == 429) {
        refused = std::move(r);
        break;
      }
      CHECK(r.reply.status == 200);
      ++accepted;
    }
    CHECK(accepted <= 5);
    REQUIRE(refused.reply.status == 429);
    const std::string* retry = refused.reply.header("Retry-After");
    REQUIRE(retry != nullptr);
    CHECK(*retry == "1");
    CHECK(refused.reply.body == "request rate above the limit");
    check_security_headers(refused.reply, true);
  }
  SECTION("a connection over the per-IP count is refused, the ones within it are not") {
    const int a = connect_loopback(s->ports().haproxy());
    const int b = connect_loopback(s->ports().haproxy());
    REQUIRE(a >= 0);
    REQUIRE(b >= 0);
    // The kernel completes a connect before HAProxy accepts it: wait until HAProxy's table
    // counts both, or the third may be accepted first.
    std::string table;
    CHECK(lg::test::wait_until(
        [&] {
          table = s->api().command("show table st_clients").value_or("");
          return table.find("conn_cur=2 ") != std::string::npos;
        },
        std::chrono::milliseconds{5000}, lg::test::Poll{std::chrono::milliseconds{10}}));
    INFO(table);
    // http_get opens a third connection while two are open.
    const auto r = plain_get(*s, "/api/item?id=1");
    CHECK(r.status == 429);
    CHECK(r.body == "too many connections from your address");
    ::close(a);
    ::close(b);
  }
}
