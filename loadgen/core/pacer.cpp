#include "loadgen/core/pacer.h"

#include <algorithm>
#include <cmath>

#include "loadgen/core/random.h"

namespace lg {
namespace {

constexpr double kNsPerS = 1e9;
constexpr std::uint64_t kPoissonStream = 0x706f6973736f6eULL;  // "poisson"

// Arrivals in the first tau seconds of a step whose rate moves r0 -> r1 over d seconds.
double step_integral(double r0, double r1, double d, double tau) {
  return r0 * tau + (r1 - r0) * tau * tau / (2 * d);
}

// Inverse of step_integral: tau with step_integral(tau) == u. Written as 2u / (r0 + sqrt(.))
// so it stays exact for flat steps and stable when the rate falls.
double step_inverse(double r0, double r1, double d, double u) {
  const double a = (r1 - r0) / (2 * d);
  const double disc = std::max(0.0, r0 * r0 + 4 * a * u);
  const double denom = r0 + std::sqrt(disc);
  return denom > 0 ? 2 * u / denom : 0.0;
}

}  // namespace

Schedule::Schedule(const std::vector<StepPlan>& steps) : steps_(steps) {
  starts_.push_back(0);
  cumulative_.push_back(0);
  for (const auto& s : steps_) {
    const double d = static_cast<double>(s.duration_ns) / kNsPerS;
    starts_.push_back(starts_.back() + s.duration_ns);
    cumulative_.push_back(cumulative_.back() + step_integral(s.start_rate, s.end_rate, d, d));
  }
}

double Schedule::expected_arrivals(std::int64_t t_ns) const {
  t_ns = std::clamp<std::int64_t>(t_ns, 0, end_ns());
  const auto s = step_at(t_ns);
  if (s >= steps_.size()) return total_arrivals();
  const auto& st = steps_[s];
  const double d = static_cast<double>(st.duration_ns) / kNsPerS;
  const double tau = static_cast<double>(t_ns - starts_[s]) / kNsPerS;
  return cumulative_[s] + step_integral(st.start_rate, st.end_rate, d, tau);
}

std::uint32_t Schedule::step_for_position(double u) const {
  // The first step whose cumulative end is beyond u (steps with no arrivals are skipped).
  const auto it = std::upper_bound(cumulative_.begin() + 1, cumulative_.end(), u);
  return static_cast<std::uint32_t>(it - cumulative_.begin() - 1);
}

std::optional<std::int64_t> Schedule::time_at(double u) const {
  if (steps_.empty() || u < 0 || u >= total_arrivals()) return std::nullopt;
  const auto s = step_for_position(u);
  const auto& st = steps_[s];
  const double d = static_cast<double>(st.duration_ns) / kNsPerS;
  const double tau = step_inverse(st.start_rate, st.end_rate, d, u - cumulative_[s]);
  const auto offset = static_cast<std::int64_t>(std::llround(tau * kNsPerS));
  return starts_[s] + std::min(offset, st.duration_ns - 1);
}

std::uint32_t Schedule::step_at(std::int64_t t_ns) const {
  if (steps_.empty()) return 0;
  const auto it = std::upper_bound(starts_.begin() + 1, starts_.end() - 1, t_ns);
  return static_cast<std::uint32_t>(it - starts_.begin() - 1);
}

double Schedule::rate_at(std::int64_t t_ns) const {
  if (steps_.empty() || t_ns < 0 || t_ns >= end_ns()) return 0;
  const auto s = step_at(t_ns);
  const auto& st = steps_[s];
  const double f = static_cast<double>(t_ns - starts_[s]) / static_cast<double>(st.duration_ns);
  return st.start_rate + (st.end_rate - st.start_rate) * f;
}

std::uint64_t Schedule::constant_due(std::int64_t t_ns) const {
  if (t_ns < 0 || steps_.empty()) return 0;
  // Arrivals k = 0 .. ceil(total) - 1 exist; k is due at N^-1(k) <= t.
  const double total = total_arrivals();
  const auto existing = static_cast<std::uint64_t>(std::ceil(total));
  if (t_ns >= end_ns()) return existing;
  const double n = expected_arrivals(t_ns);
  auto due = static_cast<std::uint64_t>(std::floor(n)) + 1;
  // Rounding of N^-1 to whole ns can put arrival floor(n)+1 at exactly t: check directly.
  if (auto t = time_at(static_cast<double>(due)); t && *t <= t_ns) ++due;
  if (auto t = time_at(static_cast<double>(due - 1)); !t || *t > t_ns) --due;
  return std::min(due, existing);
}

ArrivalCursor::ArrivalCursor(const Schedule& schedule, Arrival arrival, std::uint64_t seed,
                             std::uint64_t first, std::uint64_t stride)
    : schedule_(&schedule), arrival_(arrival), seed_(seed), stride_(stride), index_(first) {
  if (arrival_ == Arrival::kPoisson) {
    for (std::uint64_t i = 0; i <= first; ++i) position_ += gap(i);
  } else {
    position_ = static_cast<double>(first);
  }
  compute();
}

double ArrivalCursor::gap(std::uint64_t i) const {
  return -std::log(unit_open0(draw64(seed_, kPoissonStream, i)));
}

void ArrivalCursor::advance() {
  if (!next_) return;
  const auto from = index_;
  index_ += stride_;
  if (arrival_ == Arrival::kPoisson) {
    for (std::uint64_t i = from + 1; i <= index_; ++i) position_ += gap(i);
  } else {
    position_ = static_cast<double>(index_);
  }
  compute();
}

void ArrivalCursor::compute() {
  const auto t = schedule_->time_at(position_);
  if (!t) {
    next_.reset();
    return;
  }
  next_ = DueArrival{index_, *t, schedule_->step_at(*t)};
}

}  // namespace lg
