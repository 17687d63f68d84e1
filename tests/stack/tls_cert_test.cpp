// The stack's bring-up certificate without any daemon: what make_self_signed writes, checked
// with OpenSSL's own verification and name matching.
#include "stack/tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace {

using lg::stack::TlsFiles;
using lg::test::TempDir;
namespace fs = std::filesystem;

struct Loaded {
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
};

Loaded load(const TlsFiles& f) {
  Loaded l;
  if (FILE* c = std::fopen(f.cert.c_str(), "r")) {
    l.cert.reset(PEM_read_X509(c, nullptr, nullptr, nullptr));
    std::fclose(c);
  }
  if (FILE* k = std::fopen(f.key.c_str(), "r")) {
    l.key.reset(PEM_read_PrivateKey(k, nullptr, nullptr, nullptr));
    std::fclose(k);
  }
  return l;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Verifies the certificate against itself as the only trusted one, as a client with it as its
// CA file does.
int verify_self(X509* cert) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), cert);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  return X509_verify_cert(ctx.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
}

}  // namespace

TEST_CASE("tls cert: ECDSA P-256, self-verifying for localhost and 127.0.0.1, key private",
          "[tls]") {
  TempDir tmp;
  const TlsFiles f{tmp.path() / "tls" / "cert.pem", tmp.path() / "tls" / "key.pem",
                   tmp.path() / "tls" / "both.pem"};
  const auto made = lg::stack::make_self_signed(f);
  INFO((made ? std::string() : made.error()));
  REQUIRE(made.has_value());
  CHECK(mode_of(f.key) == 0600);
  CHECK(mode_of(f.combined) == 0600);
  CHECK(mode_of(f.cert) == 0644);

  const Loaded l = load(f);
  REQUIRE(l.cert);
  REQUIRE(l.key);
  CHECK(X509_check_private_key(l.cert.get(), l.key.get()) == 1);
  char group[64] = "";
  std::size_t n = 0;
  REQUIRE(EVP_PKEY_get_group_name(l.key.get(), group, sizeof group, &n) == 1);
  CHECK(std::string(group) == "prime256v1");
  CHECK(verify_self(l.cert.get()) == X509_V_OK);
  CHECK(X509_check_host(l.cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(l.cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(l.cert.get(), "example.com", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(l.cert.get(), "127.0.0.2", 0) == 0);
  // Valid now, and not for more than 30 days.
  CHECK(X509_cmp_current_time(X509_get0_notBefore(l.cert.get())) < 0);
  CHECK(X509_cmp_current_time(X509_get0_notAfter(l.cert.get())) > 0);
  int days = 0, secs = 0;
  REQUIRE(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(l.cert.get())) == 1);
  CHECK(days <= 30);
  CHECK(days >= 29);

  // HAProxy's file is the certificate and then the key.
  const std::string both = lg::test::read_file(f.combined);
  CHECK(both.find("BEGIN CERTIFICATE") < both.find("PRIVATE KEY"));
  CHECK(both.starts_with(lg::test::read_file(f.cert)));
}

TEST_CASE("tls cert: a new key every time, and an unwritable folder is a named error", "[tls]") {
  TempDir tmp;
  const TlsFiles a{tmp.path() / "a.pem", tmp.path() / "ak.pem", tmp.path() / "ac.pem"};
  const TlsFiles b{tmp.path() / "b.pem", tmp.path() / "bk.pem", tmp.path() / "bc.pem"};
  REQUIRE(lg::stack::make_self_signed(a).has_value());
  REQUIRE(lg::stack::make_self_signed(b).has_value());
  CHECK(lg::test::read_file(a.key) != lg::test::read_file(b.key));

  lg::test::write_file(tmp.path() / "file", "x");
  const TlsFiles bad{tmp.path() / "file" / "cert.pem", tmp.path() / "file" / "key.pem",
                     tmp.path() / "file" / "both.pem"};
  const auto r = lg::stack::make_self_signed(bad);
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Catch::Contains((tmp.path() / "file").string()));
}
