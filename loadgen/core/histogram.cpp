// Histogram: slot arithmetic, merge, percentiles and the text encoding. See histogram.h for the
// layout and the precision contract.
#include "loadgen/core/histogram.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace lg {

namespace {

constexpr std::string_view kMagic = "lgh1";
constexpr std::size_t kFieldCount = 7;  // magic, highest, digits, total, min, max, payload

// ceil(log2(2 * 10^digits)): the bits of the slot count of bucket 0, which must hold every
// value below 2 * 10^digits exactly so that wider slots start at >= 10^digits.
unsigned sub_bits_for(int digits) {
  std::uint64_t exact_below = 2;
  for (int i = 0; i < digits; ++i) exact_below *= 10;
  return static_cast<unsigned>(std::bit_width(exact_below - 1));
}

std::string error_text(std::string_view what) {
  return "histogram: " + std::string(what);
}

// ---- LEB128 varints -------------------------------------------------------------------------

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one varint at bytes[pos], advancing pos. At most 10 bytes; the 10th may only carry
// bit 63, so every accepted varint fits in 64 bits.
std::expected<std::uint64_t, std::string> get_varint(std::string_view bytes, std::size_t& pos) {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (pos >= bytes.size()) return std::unexpected(error_text("counts truncated inside a varint"));
    const auto byte = static_cast<unsigned char>(bytes[pos++]);
    if (shift == 63 && byte > 1) return std::unexpected(error_text("varint overflows 64 bits"));
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return std::unexpected(error_text("varint longer than 10 bytes"));
}

// ---- base64 (RFC 4648, with '=' padding) ------------------------------------------------------

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      const auto b = k < n ? static_cast<unsigned char>(bytes[i + k]) : 0U;
      group = (group << 8) | b;
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kB64[(group >> (18 - 6 * k)) & 0x3f] : '=');
    }
  }
  return out;
}

int base64_value(char c) {
  const auto at = kB64.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Decodes one 4-character group into out. `last` allows '=' padding (1 or 2 characters).
std::expected<void, std::string> base64_group(std::string_view quad, bool last, std::string& out) {
  const std::size_t pad =
      last ? static_cast<std::size_t>(std::count(quad.begin() + 2, quad.end(), '=')) : 0;
  if (pad > 0 && quad.find('=') != 4 - pad)
    return std::unexpected(error_text("base64 padding '=' in the wrong place"));
  std::uint32_t group = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int v = k < 4 - pad ? base64_value(quad[k]) : 0;
    if (v < 0) return std::unexpected(error_text("invalid base64 character in the counts"));
    group = (group << 6) | static_cast<std::uint32_t>(v);
  }
  if ((pad == 1 && (group & 0xff) != 0) || (pad == 2 && (group & 0xffff) != 0))
    return std::unexpected(error_text("non-canonical base64 (padding bits set)"));
  for (std::size_t k = 0; k < 3 - pad; ++k) {
    out.push_back(static_cast<char>((group >> (16 - 8 * k)) & 0xff));
  }
  return {};
}

std::expected<std::string, std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::unexpected(error_text("base64 counts length " + std::to_string(text.size()) +
                                      " is not a multiple of 4 (truncated?)"));
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    auto ok = base64_group(text.substr(i, 4), i + 4 == text.size(), out);
    if (!ok) return std::unexpected(ok.error());
  }
  return out;
}

// ---- header fields --------------------------------------------------------------------------

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = text.find(':', start);
    fields.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) return fields;
    start = colon + 1;
  }
}

template <class T>
std::expected<T, std::string> parse_field(std::string_view field, std::string_view name) {
  T value{};
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc{} || end != field.data() + field.size())
    return std::unexpected(error_text("header field " + std::string(name) + " is not a number: \"" +
                                      std::string(field.substr(0, 32)) + "\""));
  return value;
}

struct Header {
  std::uint64_t highest;
  int digits;
  std::uint64_t total, min, max;
  std::string_view payload;
};

std::expected<Header, std::string> parse_header(std::string_view text) {
  const auto f = split_fields(text);
  if (f.size() != kFieldCount || f[0] != kMagic)
    return std::unexpected(error_text(
        "not an encoded histogram: expected \"lgh1:<highest>:<digits>:<total>:<min>:<max>:"
        "<base64 counts>\""));
  Header h{};
  h.payload = f[6];
  auto highest = parse_field<std::uint64_t>(f[1], "highest");
  auto digits = parse_field<int>(f[2], "digits");
  auto total = parse_field<std::uint64_t>(f[3], "total");
  auto min = parse_field<std::uint64_t>(f[4], "min");
  auto max = parse_field<std::uint64_t>(f[5], "max");
  for (const auto* e : {&highest, &total, &min, &max}) {
    if (!*e) return std::unexpected(e->error());
  }
  if (!digits) return std::unexpected(digits.error());
  h.highest = *highest;
  h.digits = *digits;
  h.total = *total;
  h.min = *min;
  h.max = *max;
  return h;
}

}  // namespace

// ---- construction -----------------------------------------------------------------------------

Histogram::Histogram() : Histogram(kDefaultHighest, kDefaultSignificantDigits) {}

Histogram::Histogram(std::uint64_t highest, int significant_digits)
    : highest_(highest), digits_(significant_digits), sub_bits_(sub_bits_for(significant_digits)) {
  counts_.assign(index_of(highest) + 1, 0);
}

std::expected<Histogram, std::string> Histogram::create(std::uint64_t highest,
                                                        int significant_digits) {
  if (highest < 2)
    return std::unexpected(
        error_text("highest trackable value must be >= 2, got " + std::to_string(highest)));
  if (significant_digits < 1 || significant_digits > 5)
    return std::unexpected(error_text("significant digits must be in [1, 5], got " +
                                      std::to_string(significant_digits)));
  return Histogram(highest, significant_digits);
}

// ---- slot arithmetic --------------------------------------------------------------------------

// Bucket b = bit_width(v) - S (0 for small v: OR-ing the low mask makes the width >= S). The
// slot is b * H + (v >> b): bucket 0 fills slots [0, 2H), bucket b >= 1 fills [(b+1)H, (b+2)H)
// because v >> b lies in [H, 2H) there.
std::size_t Histogram::index_of(std::uint64_t v) const noexcept {
  const std::uint64_t low_mask = (std::uint64_t{1} << sub_bits_) - 1;
  const auto bucket = static_cast<unsigned>(std::bit_width(v | low_mask)) - sub_bits_;
  return (std::size_t{bucket} << (sub_bits_ - 1)) + static_cast<std::size_t>(v >> bucket);
}

// log2 of the width of slot `index` (the bucket number, 0 for the exact bucket).
unsigned Histogram::shift_of_index(std::size_t index) const noexcept {
  const auto q = static_cast<unsigned>(index >> (sub_bits_ - 1));
  return q == 0 ? 0 : q - 1;
}

std::uint64_t Histogram::value_at_index(std::size_t index) const noexcept {
  const unsigned shift = shift_of_index(index);
  const std::size_t sub = index - (std::size_t{shift} << (sub_bits_ - 1));
  return static_cast<std::uint64_t>(sub) << shift;
}

std::uint64_t Histogram::slot_width(std::size_t index) const noexcept {
  return std::uint64_t{1} << shift_of_index(index);
}

std::uint64_t Histogram::lowest_equivalent(std::uint64_t v) const noexcept {
  return value_at_index(index_of(v));
}

std::uint64_t Histogram::highest_equivalent(std::uint64_t v) const noexcept {
  const std::size_t i = index_of(v);
  return value_at_index(i) + (slot_width(i) - 1);  // no overflow even at UINT64_MAX
}

std::size_t Histogram::memory_bytes() const noexcept {
  return sizeof(Histogram) + counts_.capacity() * sizeof(std::uint64_t);
}

// ---- updates ----------------------------------------------------------------------------------

bool Histogram::record(std::uint64_t value, std::uint64_t count) noexcept {
  if (value > highest_ || count == 0) return value <= highest_;
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  return true;
}

bool Histogram::same_layout(const Histogram& other) const noexcept {
  return highest_ == other.highest_ && digits_ == other.digits_;
}

std::uint64_t Histogram::merge(const Histogram& other) noexcept {
  if (!same_layout(other)) return merge_slow(other);
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  return 0;
}

// Re-records each of other's slots at its highest equivalent clamped to other's [min, max] (so
// reported percentiles are preserved when this layout is at least as fine), except that one
// count of the lowest slot goes to other's exact min: this keeps min and max exact.
std::uint64_t Histogram::merge_slow(const Histogram& other) noexcept {
  std::uint64_t dropped = 0;
  bool first = true;
  other.for_each_bucket([&](std::uint64_t, std::uint64_t hi, std::uint64_t count) {
    if (first) {
      first = false;
      if (!record(other.min_, 1)) ++dropped;
      --count;
    }
    if (!record(std::clamp(hi, other.min_, other.max_), count)) dropped += count;
  });
  return dropped;
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

// ---- queries ----------------------------------------------------------------------------------

double Histogram::mean() const noexcept {
  if (total_ == 0) return 0.0;
  double sum = 0.0;
  for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t count) {
    const double mid = static_cast<double>(lo) + static_cast<double>(hi - lo) / 2.0;
    sum += mid * static_cast<double>(count);
  });
  return sum / static_cast<double>(total_);
}

std::uint64_t Histogram::value_at_percentile(double p) const noexcept {
  if (total_ == 0) return 0;
  if (!(p > 0.0)) return min_;  // also NaN
  if (p >= 100.0) return max_;
  const double total = static_cast<double>(total_);
  double x = p * total / 100.0;
  x -= x * 4 * std::numeric_limits<double>::epsilon();  // 99.9% of 1000 is 999, not 1000
  const std::uint64_t rank =
      x >= total ? total_ : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(x)));
  std::uint64_t seen = 0;
  for (std::size_t i = index_of(min_); i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(value_at_index(i) + (slot_width(i) - 1), min_, max_);
  }
  return max_;  // unreachable while the counts add up to total_
}

bool Histogram::operator==(const Histogram& other) const {
  return same_layout(other) && total_ == other.total_ && min() == other.min() &&
         max_ == other.max_ && counts_ == other.counts_;
}

// ---- text encoding ----------------------------------------------------------------------------

std::string Histogram::encode() const {
  std::string bytes;
  std::size_t end = counts_.size();
  while (end > 0 && counts_[end - 1] == 0) --end;  // trailing empty slots are implied
  for (std::size_t i = 0; i < end;) {
    if (counts_[i] != 0) {
      put_varint(bytes, counts_[i++]);
      continue;
    }
    std::size_t run = 0;
    while (counts_[i] == 0) ++i, ++run;  // stops inside [0, end): counts_[end - 1] != 0
    put_varint(bytes, 0);
    put_varint(bytes, run);
  }
  return std::string(kMagic) + ':' + std::to_string(highest_) + ':' + std::to_string(digits_) +
         ':' + std::to_string(total_) + ':' + std::to_string(min()) + ':' + std::to_string(max_) +
         ':' + base64_encode(bytes);
}

namespace {

// Fills counts from the varint payload; returns the sum of the counts.
std::expected<std::uint64_t, std::string> decode_counts(std::string_view bytes,
                                                        std::vector<std::uint64_t>& counts) {
  std::size_t pos = 0, slot = 0;
  std::uint64_t sum = 0;
  while (pos < bytes.size()) {
    auto v = get_varint(bytes, pos);
    if (!v) return std::unexpected(v.error());
    if (*v == 0) {
      auto run = get_varint(bytes, pos);
      if (!run) return std::unexpected(run.error());
      if (*run == 0 || *run > counts.size() - slot)
        return std::unexpected(error_text("a run of empty slots does not fit the layout"));
      slot += static_cast<std::size_t>(*run);
      continue;
    }
    if (slot >= counts.size())
      return std::unexpected(error_text("more counts than the layout has slots (" +
                                        std::to_string(counts.size()) + ")"));
    if (sum + *v < sum) return std::unexpected(error_text("counts overflow 64 bits"));
    sum += *v;
    counts[slot++] = *v;
  }
  return sum;
}

}  // namespace

std::expected<Histogram, std::string> Histogram::decode(std::string_view text) {
  auto header = parse_header(text);
  if (!header) return std::unexpected(header.error());
  auto h = create(header->highest, header->digits);
  if (!h) return std::unexpected(h.error());
  auto bytes = base64_decode(header->payload);
  if (!bytes) return std::unexpected(bytes.error());
  auto sum = decode_counts(*bytes, h->counts_);
  if (!sum) return std::unexpected(sum.error());
  if (*sum != header->total)
    return std::unexpected(error_text("counts add up to " + std::to_string(*sum) +
                                      " but the header says total " +
                                      std::to_string(header->total)));
  h->total_ = *sum;
  auto ok = h->adopt_min_max(header->min, header->max);
  if (!ok) return std::unexpected(ok.error());
  return h;
}

// Sets min/max read from a header (total_ already set). They must agree with the counts: both 0
// when empty, else in the first and the last non-empty slot, so the percentile clamp stays sane.
std::expected<void, std::string> Histogram::adopt_min_max(std::uint64_t lo, std::uint64_t hi) {
  if (total_ == 0) {
    if (lo != 0 || hi != 0) return std::unexpected(error_text("empty histogram with min/max"));
    return {};
  }
  const auto first = static_cast<std::size_t>(
      std::find_if(counts_.begin(), counts_.end(), [](auto c) { return c != 0; }) -
      counts_.begin());
  const auto last = static_cast<std::size_t>(
      counts_.rend() -
      std::find_if(counts_.rbegin(), counts_.rend(), [](auto c) { return c != 0; }) - 1);
  if (lo > hi || hi > highest_ || index_of(lo) != first || index_of(hi) != last)
    return std::unexpected(error_text("min " + std::to_string(lo) + " / max " + std::to_string(hi) +
                                      " do not match the counts"));
  min_ = lo;
  max_ = hi;
  return {};
}

}  // namespace lg
