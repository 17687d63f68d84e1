// A log-linear ("HDR-style") histogram of non-negative integer values: fixed precision, memory
// fixed at construction, exactly mergeable. By convention values are latencies in microseconds.
//
// Layout. With d significant decimal digits, let S = ceil(log2(2 * 10^d)) and H = 2^(S-1)
// (d = 3: S = 11, H = 1024). Bucket 0 holds the values 0 .. 2H-1, one slot per value (exact).
// Bucket b >= 1 holds [H * 2^b, 2H * 2^b) in H slots of width 2^b. The slot of a value v is
// found from its bit width alone (no loops, no divisions), see index_of() in histogram.cpp.
//
// Precision contract (checked by the tests). For every value v:
//   (highest_equivalent(v) - lowest_equivalent(v)) * H <= v    (strict for v > 0),
// and H >= 10^d, so a slot is never wider than v / 10^d. For the defaults: every value sharing
// v's slot is within v/1024 of v (0.098%, inside the promised 1/1000) and values below
// 2H = 2048 us are exact. value_at_percentile() reports a slot's highest equivalent, so it never
// under-reports: for a true value t it reports r with t <= r <= t + t/H.
//
// Memory: one uint64_t per slot up to highest's slot. Defaults (100 s, 3 digits): 17,910 slots,
// 143,280 bytes of counts (memory_bytes() adds the object). Nothing allocates after construction.
// A Histogram is a value: copy it to snapshot, merge() to combine. A moved-from Histogram may
// only be assigned to or destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

class Histogram {
 public:
  // 1 us .. 100 s at 3 significant digits: the project-wide latency histogram.
  static constexpr std::uint64_t kDefaultHighest = 100'000'000;
  static constexpr int kDefaultSignificantDigits = 3;

  // The default layout (kDefaultHighest, kDefaultSignificantDigits), empty.
  Histogram();

  // Values 0 .. highest are recordable. highest >= 2 (any uint64_t above that);
  // significant_digits in [1, 5]. Anything else returns an error text naming the bad argument.
  // Memory is about 8 * H * (bit_width(highest) - S + 2) bytes: 0.45 MB for highest = 2^64-1
  // at 3 digits, 50 MB at 5 digits.
  static std::expected<Histogram, std::string> create(std::uint64_t highest,
                                                      int significant_digits);

  // Adds `count` occurrences of `value`. O(1), branch-light, never allocates. Returns false and
  // records nothing if value > highest_trackable() (the caller counts the drop). count == 0 is a
  // no-op that returns whether the value was in range. Counts wrap after 2^64 (not checked).
  bool record(std::uint64_t value, std::uint64_t count = 1) noexcept;

  // Adds every count of `other` to this histogram and returns how many values were dropped
  // because they do not fit this histogram's range. Same layout: slot-by-slot addition, exactly
  // equal to having recorded everything here. Different layouts: each of other's buckets is
  // recorded at its highest equivalent value (clamped to other's exact min/max), and other's
  // exact min and max are carried over when they fit. Merging into oneself doubles every count.
  std::uint64_t merge(const Histogram& other) noexcept;

  // Back to empty, keeping the layout and the memory.
  void reset() noexcept;

  std::uint64_t total_count() const noexcept { return total_; }
  // Exact smallest / largest recorded value; 0 if empty.
  std::uint64_t min() const noexcept { return total_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }
  // Mean of the recorded values, each taken at its bucket's midpoint; 0.0 if empty.
  double mean() const noexcept;

  // p in [0, 100] (values outside are clamped, NaN counts as 0). Returns the value at or below
  // which p% of the recorded values fall: rank = ceil(p/100 * total) (at least 1), reported as
  // the highest value equivalent to that rank's bucket, clamped to [min(), max()]. p = 0 returns
  // min() and p = 100 returns max(), both exact. 0 when empty. O(number of slots).
  std::uint64_t value_at_percentile(double p) const noexcept;

  // The smallest / largest value sharing v's slot (v's slot's range). v may exceed highest.
  std::uint64_t lowest_equivalent(std::uint64_t v) const noexcept;
  std::uint64_t highest_equivalent(std::uint64_t v) const noexcept;

  std::uint64_t highest_trackable() const noexcept { return highest_; }
  int significant_digits() const noexcept { return digits_; }
  // Bytes held by this object, counts included: fixed at construction.
  std::size_t memory_bytes() const noexcept;

  // Calls fn(lowest_value, highest_value, count) for every non-empty slot in increasing value
  // order; [lowest_value, highest_value] is the slot's full range (not clamped to min/max).
  template <class Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) {
        const std::uint64_t lo = value_at_index(i);
        fn(lo, lo + (slot_width(i) - 1), counts_[i]);
      }
    }
  }

  // Same layout, same counts, same min and max.
  bool operator==(const Histogram& other) const;

  // Compact text for result.json:
  //   "lgh1:<highest>:<digits>:<total>:<min>:<max>:<base64 payload>"
  // The payload is the slot counts from slot 0 as LEB128 varints: a non-zero varint is one
  // slot's count; a 0 varint is followed by a varint n meaning "n empty slots". Trailing empty
  // slots are left out. decode(encode(h)) == h for every h.
  std::string encode() const;
  // Parses encode()'s output. Any malformed input (bad prefix, fields, base64, varints, a total
  // or min/max inconsistent with the counts) returns an error text saying what is wrong. The
  // layout named in the header is allocated before the counts are checked (see create()).
  static std::expected<Histogram, std::string> decode(std::string_view text);

 private:
  Histogram(std::uint64_t highest, int significant_digits);

  std::size_t index_of(std::uint64_t v) const noexcept;
  std::uint64_t value_at_index(std::size_t index) const noexcept;
  std::uint64_t slot_width(std::size_t index) const noexcept;
  unsigned shift_of_index(std::size_t index) const noexcept;
  bool same_layout(const Histogram& other) const noexcept;
  std::uint64_t merge_slow(const Histogram& other) noexcept;
  std::expected<void, std::string> adopt_min_max(std::uint64_t lo, std::uint64_t hi);

  std::uint64_t highest_;
  int digits_;
  unsigned sub_bits_;  // S: log2 of the slots in bucket 0 (11 for 3 digits)
  std::uint64_t total_ = 0;
  std::uint64_t min_ = UINT64_MAX;  // UINT64_MAX while empty, so std::min needs no branch
  std::uint64_t max_ = 0;
  std::vector<std::uint64_t> counts_;  // one per slot, up to highest_'s slot
};

}  // namespace lg
