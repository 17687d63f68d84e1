#include "scenarios/tls_section.h"

#include <algorithm>
#include <string>

namespace lg::scenarios::detail {
namespace {

std::string file_key(Reader& r, const json& v, const std::string& ptr,
                     const std::filesystem::path& base_dir) {
  const auto mark = r.mark();
  auto name = r.string(v, ptr, "a PEM file's path");
  if (!r.clean_since(mark)) return {};
  if (name.empty()) {
    r.error(ptr, "must name a file, got \"\"");
    return {};
  }
  const std::filesystem::path p(name);
  return p.is_absolute() || base_dir.empty() ? name : (base_dir / p).string();
}

TlsVersion version(Reader& r, const json& v, const std::string& ptr) {
  const auto name = r.choice(v, ptr);
  const auto* it = std::find(std::begin(kTlsVersionNames), std::end(kTlsVersionNames), name);
  return it == std::end(kTlsVersionNames) || name.empty()
             ? TlsVersion::kAny
             : static_cast<TlsVersion>(it - std::begin(kTlsVersionNames));
}

}  // namespace

void read_tls(Reader& r, const json& v, const std::filesystem::path& base_dir, bool https,
              RunPlan& plan) {
  if (!v.is_object()) {
    r.error("/tls", "expected an object such as {\"ca_file\": \"ca.pem\"}, got " + Reader::show(v));
    return;
  }
  r.only_keys(v, "/tls");
  TlsPlan& t = plan.tls;
  if (v.contains("server_name")) {
    t.server_name = r.string(v["server_name"], "/tls/server_name", "a host name");
  }
  if (v.contains("insecure")) t.insecure = r.boolean(v["insecure"], "/tls/insecure", false);
  if (v.contains("ca_file")) t.ca_file = file_key(r, v["ca_file"], "/tls/ca_file", base_dir);
  if (v.contains("cert")) t.cert_file = file_key(r, v["cert"], "/tls/cert", base_dir);
  if (v.contains("key")) t.key_file = file_key(r, v["key"], "/tls/key", base_dir);
  if (v.contains("min_version")) t.min_version = version(r, v["min_version"], "/tls/min_version");
  if (v.contains("max_version")) t.max_version = version(r, v["max_version"], "/tls/max_version");
  if (v.contains("resume")) t.resume = r.boolean(v["resume"], "/tls/resume", true);
  if (t.cert_file.empty() != t.key_file.empty() && r.clean_under("/tls")) {
    r.error(t.cert_file.empty() ? "/tls/key" : "/tls/cert",
            t.cert_file.empty() ? "needs /tls/cert (the client certificate) as well"
                                : "needs /tls/key (its private key) as well");
  }
  if (t.min_version != TlsVersion::kAny && t.max_version != TlsVersion::kAny &&
      t.min_version > t.max_version) {
    r.error("/tls/min_version",
            "\"" + std::string(tls_version_name(t.min_version)) +
                "\" is above /tls/max_version \"" + std::string(tls_version_name(t.max_version)) +
                "\"",
            {"/tls/max_version"});
  }
  if (!https && !tls_option_in_use(t).empty()) {
    r.error("/tls", "TLS options need an https:// /target, or /stack/tls for the embedded stack",
            {"/target"});
  }
}

}  // namespace lg::scenarios::detail
