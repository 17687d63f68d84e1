// The stack's TLS certificate, made at bring-up with the OpenSSL API (no `openssl` binary
// needed): ECDSA P-256, self-signed, SAN DNS:localhost and IP:127.0.0.1, valid from an hour
// ago for 30 days. A client trusts it by using the certificate file as its CA file.
#pragma once
#include <expected>
#include <filesystem>
#include <string>

namespace lg::stack {

struct TlsFiles {
  std::filesystem::path cert;      // PEM certificate, mode 0644: what clients trust
  std::filesystem::path key;       // PEM private key, mode 0600
  std::filesystem::path combined;  // certificate then key, mode 0600 (HAProxy's `crt`)
};

// Makes a new key and certificate and writes the three files (their folder is created).
// Error: names the file or the OpenSSL step that failed.
std::expected<void, std::string> make_self_signed(const TlsFiles& files);

}  // namespace lg::stack
