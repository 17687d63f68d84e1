// Makes the transport a worker's connections use. One per worker, so that state a transport
// kind shares across its connections (TLS: the context, the session to resume, the plaintext
// buffer) has one owner on the loop's thread; choosing a kind is all the engine does.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "loadgen/engine/tls_context.h"
#include "loadgen/engine/transport.h"

namespace lg::engine {

struct TlsShared;

class TransportFactory final {
 public:
  // Plain TCP when `context` is null, else TLS with it. `connections`: the worker's cap, which
  // decides lean mode (TlsShared::lean) for the TLS buffers.
  explicit TransportFactory(std::shared_ptr<const TlsContext> context = nullptr,
                            std::uint32_t connections = 1);
  ~TransportFactory();
  TransportFactory(const TransportFactory&) = delete;
  TransportFactory& operator=(const TransportFactory&) = delete;

  // Once per Connection object (reused across reconnects), never per request.
  std::unique_ptr<Transport> make(TransportOwner& owner) const;
  TransportKind kind() const { return kind_; }
  // TLS: the first handshake failure's reason on this worker; "" none (or plain TCP).
  std::string first_tls_failure() const;

 private:
  TransportKind kind_;
  std::unique_ptr<TlsShared> tls_;
};

}  // namespace lg::engine
