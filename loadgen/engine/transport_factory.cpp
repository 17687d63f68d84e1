#include "loadgen/engine/transport_factory.h"

#include "loadgen/engine/tcp_transport.h"

namespace lg::engine {

std::unique_ptr<Transport> TransportFactory::make(TransportOwner& owner) const {
  switch (kind_) {
    case TransportKind::kTcp:
      return std::make_unique<TcpTransport>(owner);
  }
  return nullptr;  // unreachable: every kind is handled above (-Wswitch says when one is not)
}

}  // namespace lg::engine
