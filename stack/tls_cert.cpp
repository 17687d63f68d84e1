#include "stack/tls_cert.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace lg::stack {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;

std::string openssl_error(const std::string& step) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return "stack: TLS certificate: " + step + ": " + buf;
}

// The extensions `openssl req -x509` adds, plus the names a loopback client connects by.
bool add_extensions(X509* x) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::pair<int, const char*> exts[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"}};
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return false;
    const int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) return false;
  }
  return true;
}

bool set_serial(X509* x) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  if (bn == nullptr) return false;
  const bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
  BN_free(bn);
  return ok;
}

std::expected<Cert, std::string> self_signed(EVP_PKEY* key) {
  Cert x(X509_new());
  if (!x || X509_set_version(x.get(), 2) != 1 || !set_serial(x.get())) {
    return std::unexpected(openssl_error("new certificate"));
  }
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);  // clocks a little behind still accept
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 30L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x.get());
  const auto* cn = reinterpret_cast<const unsigned char*>("loadgen embedded stack");
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(x.get(), name) != 1 || X509_set_pubkey(x.get(), key) != 1 ||
      !add_extensions(x.get())) {
    return std::unexpected(openssl_error("certificate fields"));
  }
  if (X509_sign(x.get(), key, EVP_sha256()) == 0) {
    return std::unexpected(openssl_error("signing"));
  }
  return x;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// Written through open(2) so that a key is never readable by others, not even for a moment.
std::expected<void, std::string> write_file(const std::filesystem::path& path,
                                            const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return std::unexpected("stack: cannot write " + path.string() + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0;  // an existing file keeps its mode through O_CREAT
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok)
    return std::unexpected("stack: cannot write " + path.string() + ": " +
                           std::strerror(saved ? saved : errno));
  return {};
}

}  // namespace

std::expected<void, std::string> make_self_signed(const TlsFiles& files) {
  std::error_code ec;
  std::filesystem::create_directories(files.cert.parent_path(), ec);
  if (ec) {
    return std::unexpected("stack: cannot create " + files.cert.parent_path().string() + ": " +
                           ec.message());
  }
  Key key(EVP_EC_gen("P-256"));
  if (!key) return std::unexpected(openssl_error("P-256 key"));
  auto cert = self_signed(key.get());
  if (!cert) return std::unexpected(cert.error());
  Bio cert_pem(BIO_new(BIO_s_mem()));
  Bio key_pem(BIO_new(BIO_s_mem()));
  if (!cert_pem || !key_pem || PEM_write_bio_X509(cert_pem.get(), cert->get()) != 1 ||
      PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return std::unexpected(openssl_error("PEM encoding"));
  }
  const std::string cert_text = bio_text(cert_pem.get());
  const std::string key_text = bio_text(key_pem.get());
  if (auto r = write_file(files.key, key_text, 0600); !r) return r;
  if (auto r = write_file(files.combined, cert_text + key_text, 0600); !r) return r;
  return write_file(files.cert, cert_text, 0644);
}

}  // namespace lg::stack
