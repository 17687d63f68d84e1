// Arrivals waiting for a free connection: a fixed-capacity FIFO ring allocated once, so the
// hot path never allocates. When it is full the arrival is dropped (and counted).
#pragma once
#include <cstddef>
#include <vector>

#include "loadgen/core/pacer.h"

namespace lg::engine {

class ArrivalQueue {
 public:
  explicit ArrivalQueue(std::size_t capacity) : ring_(capacity ? capacity : 1) {}

  bool push(const DueArrival& a) {
    if (size_ == ring_.size()) return false;
    ring_[(head_ + size_) % ring_.size()] = a;
    ++size_;
    return true;
  }
  const DueArrival& front() const { return ring_[head_]; }
  void pop() {
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return ring_.size(); }

 private:
  std::vector<DueArrival> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace lg::engine
