// Makes the transport a worker's connections use. One per worker, so that state a transport
// kind shares across its connections (a TLS context, say) has one owner on the loop's thread;
// choosing a kind is all the engine does.
#pragma once
#include <memory>

#include "loadgen/engine/transport.h"

namespace lg::engine {

class TransportFactory final {
 public:
  explicit TransportFactory(TransportKind kind) : kind_(kind) {}

  // Once per Connection object (reused across reconnects), never per request.
  std::unique_ptr<Transport> make(TransportOwner& owner) const;
  TransportKind kind() const { return kind_; }

 private:
  TransportKind kind_;
};

}  // namespace lg::engine
