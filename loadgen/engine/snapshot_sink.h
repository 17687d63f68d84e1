// Where workers hand their snapshots: the one point where threads meet. push() is called
// from worker threads (once per second each, never per request).
#pragma once
#include "loadgen/core/snapshot.h"

namespace lg::engine {

class SnapshotSink {
 public:
  virtual void push(IntervalSnapshot&& snap) = 0;

 protected:
  ~SnapshotSink() = default;
};

}  // namespace lg::engine
