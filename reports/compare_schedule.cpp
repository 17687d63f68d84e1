#include "reports/compare_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "loadgen/core/units.h"

namespace lg::reports {
namespace {

using Lines = std::vector<std::string>;

// Rates went through JSON: equal within a part in 10^9 is equal.
bool same_rate(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

// Whole seconds or milliseconds as written in scenarios ("60s", "500ms"), else 3 digits.
std::string duration_text(std::int64_t ns) {
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  return format_duration_us(static_cast<double>(ns) / 1000.0);
}

std::string rate_text(const StepPlan& s) {
  if (same_rate(s.start_rate, s.end_rate)) return format_rate(s.start_rate);
  return format_rate(s.start_rate) + ".." + format_rate(s.end_rate);
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

void differ(Lines& out, const std::string& what, const std::string& a, const std::string& b) {
  if (a != b) out.push_back(what + " " + a + " vs " + b);
}

void step_differences(Lines& out, std::size_t i, const StepPlan& a, const StepPlan& b) {
  const std::string at = "step " + std::to_string(i + 1) + ":";
  differ(out, at + " duration", duration_text(a.duration_ns), duration_text(b.duration_ns));
  // Users imply the rate: a users difference alone says it.
  if (a.users != b.users) {
    differ(out, at + " users", std::to_string(a.users), std::to_string(b.users));
  } else if (!same_rate(a.start_rate, b.start_rate) || !same_rate(a.end_rate, b.end_rate)) {
    out.push_back(at + " rate " + rate_text(a) + " vs " + rate_text(b));
  }
  differ(out, at + " warm-up", a.warmup ? "yes" : "no", b.warmup ? "yes" : "no");
}

void request_differences(Lines& out, std::size_t i, const RequestSpec& a, const RequestSpec& b) {
  const std::string at = "request " + std::to_string(i + 1) + ":";
  differ(out, at + " method", a.method, b.method);
  differ(out, at + " path", quoted(a.path), quoted(b.path));
  differ(out, at + " weight", std::to_string(a.weight), std::to_string(b.weight));
  if (a.body != b.body) out.push_back(at + " body differs");
  if (a.headers != b.headers) out.push_back(at + " headers differ");
}

std::string shard_text(const RunPlan& p) {
  return std::to_string(p.shard_index + 1) + "/" + std::to_string(p.shard_count);
}

}  // namespace

std::vector<std::string> schedule_differences(const RunPlan& base, const RunPlan& candidate) {
  Lines out;
  differ(out, "scenario name", quoted(base.name), quoted(candidate.name));
  differ(out, "mode", base.mode == LoopMode::kOpen ? "open loop" : "closed loop",
         candidate.mode == LoopMode::kOpen ? "open loop" : "closed loop");
  differ(out, "arrival", base.arrival == Arrival::kPoisson ? "poisson" : "constant",
         candidate.arrival == Arrival::kPoisson ? "poisson" : "constant");
  differ(out, "shard", shard_text(base), shard_text(candidate));
  differ(out, "steps:", std::to_string(base.steps.size()), std::to_string(candidate.steps.size()));
  for (std::size_t i = 0; i < std::min(base.steps.size(), candidate.steps.size()); ++i)
    step_differences(out, i, base.steps[i], candidate.steps[i]);
  differ(out, "requests:", std::to_string(base.requests.size()),
         std::to_string(candidate.requests.size()));
  for (std::size_t i = 0; i < std::min(base.requests.size(), candidate.requests.size()); ++i)
    request_differences(out, i, base.requests[i], candidate.requests[i]);
  return out;
}

}  // namespace lg::reports
