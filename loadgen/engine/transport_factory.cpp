#include "loadgen/engine/transport_factory.h"

#include "loadgen/engine/tcp_transport.h"
#include "loadgen/engine/tls_transport.h"

namespace lg::engine {
namespace {

// One TLS record's plaintext at most (16 KiB): SSL_read never returns more at once.
constexpr std::size_t kPlaintextBytes = 16 * 1024;
// Above this many connections per worker, TLS buffers are released while idle: 10,000 idle
// connections would otherwise hold some 35 KiB each in OpenSSL's record buffers.
constexpr std::uint32_t kLeanAbove = 256;

}  // namespace

TransportFactory::TransportFactory(std::shared_ptr<const TlsContext> context,
                                   std::uint32_t connections)
    : kind_(context ? TransportKind::kTls : TransportKind::kTcp) {
  if (!context) return;
  tls_ = std::make_unique<TlsShared>();
  tls_->context = std::move(context);
  tls_->plain = std::make_unique<char[]>(kPlaintextBytes);
  tls_->plain_capacity = kPlaintextBytes;
  tls_->lean = connections > kLeanAbove;
}

TransportFactory::~TransportFactory() = default;

std::unique_ptr<Transport> TransportFactory::make(TransportOwner& owner) const {
  switch (kind_) {
    case TransportKind::kTcp:
      return std::make_unique<TcpTransport>(owner);
    case TransportKind::kTls:
      return std::make_unique<TlsTransport>(owner, *tls_);
  }
  return nullptr;  // unreachable: every kind is handled above (-Wswitch says when one is not)
}

std::string TransportFactory::first_tls_failure() const {
  return tls_ ? tls_->first_failure : std::string();
}

}  // namespace lg::engine
