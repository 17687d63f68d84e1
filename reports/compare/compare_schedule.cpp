#include "reports/compare/compare_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "loadgen/core/units.h"
#include "reports/compare/plan_sameness.h"

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

// Looks up differing_fields' answer: a field differs if it or anything below it does. Every
// difference looked up is marked as said; rest() lists the others (fields added to the schedule
// after this file), so that none is ever left out.
class Differs {
 public:
  explicit Differs(std::vector<PlanDifference> d)
      : fields_(std::move(d)), said_(fields_.size(), false) {}
  bool operator()(const std::string& pointer) {
    bool any = false;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const auto& p = fields_[i].pointer;
      if (p == pointer || (p.starts_with(pointer) && p[pointer.size()] == '/')) {
        said_[i] = true;
        any = true;
      }
    }
    return any;
  }
  // Whether the array at `pointer` has another entry count.
  bool count(const std::string& pointer) {
    bool any = false;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i].count && fields_[i].pointer == pointer) said_[i] = any = true;
    }
    return any;
  }
  // The differences not looked up, as "/steps/0/x: 1 vs 2".
  Lines rest() const {
    Lines out;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (!said_[i]) {
        out.push_back(fields_[i].pointer + ": " + fields_[i].base.dump() + " vs " +
                      fields_[i].other.dump());
      }
    }
    return out;
  }

 private:
  std::vector<PlanDifference> fields_;
  std::vector<bool> said_;
};

void line(Lines& out, const std::string& what, const std::string& a, const std::string& b) {
  out.push_back(what + " " + a + " vs " + b);
}

void step_differences(Lines& out, Differs& differs, std::size_t i, const StepPlan& a,
                      const StepPlan& b) {
  const std::string at = "step " + std::to_string(i + 1) + ":";
  const std::string ptr = "/steps/" + std::to_string(i) + "/";
  if (differs(ptr + "duration_s")) {
    line(out, at + " duration", duration_text(a.duration_ns), duration_text(b.duration_ns));
  }
  // Users imply the rate: a users difference alone says it.
  const bool start_rate = differs(ptr + "start_rate");  // both looked up, so both are said
  const bool end_rate = differs(ptr + "end_rate");
  if (differs(ptr + "users")) {
    line(out, at + " users", std::to_string(a.users), std::to_string(b.users));
  } else if (start_rate || end_rate) {
    line(out, at + " rate", rate_text(a), rate_text(b));
  }
  if (differs(ptr + "warmup"))
    line(out, at + " warm-up", a.warmup ? "yes" : "no", b.warmup ? "yes" : "no");
}

void request_differences(Lines& out, Differs& differs, std::size_t i, const RequestSpec& a,
                         const RequestSpec& b) {
  const std::string at = "request " + std::to_string(i + 1) + ":";
  const std::string ptr = "/requests/" + std::to_string(i) + "/";
  if (differs(ptr + "method")) line(out, at + " method", a.method, b.method);
  if (differs(ptr + "path")) line(out, at + " path", quoted(a.path), quoted(b.path));
  if (differs(ptr + "weight")) {
    line(out, at + " weight", std::to_string(a.weight), std::to_string(b.weight));
  }
  if (differs(ptr + "body")) out.push_back(at + " body differs");
  if (differs(ptr + "headers")) out.push_back(at + " headers differ");
}

std::string shard_text(const RunPlan& p) {
  return std::to_string(p.shard_index + 1) + "/" + std::to_string(p.shard_count);
}

const char* mode_text(const RunPlan& p) {
  return p.mode == LoopMode::kOpen ? "open loop" : "closed loop";
}

const char* arrival_text(const RunPlan& p) {
  return p.arrival == Arrival::kPoisson ? "poisson" : "constant";
}

// A list of the plan ("steps", "requests"): its entry count if that differs, then the
// differences of each entry both plans have, by `each`.
template <class T, class Each>
void list_differences(Lines& out, Differs& differs, const std::string& name,
                      const std::vector<T>& a, const std::vector<T>& b, Each each) {
  if (differs.count("/" + name)) {
    line(out, name + ":", std::to_string(a.size()), std::to_string(b.size()));
  }
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) each(out, differs, i, a[i], b[i]);
}

}  // namespace

std::vector<std::string> schedule_differences(const RunPlan& base, const RunPlan& candidate) {
  Differs differs(differing_fields(base, candidate, Sameness::kComparable));
  Lines out;
  if (differs("/name")) line(out, "scenario name", quoted(base.name), quoted(candidate.name));
  if (differs("/mode")) line(out, "mode", mode_text(base), mode_text(candidate));
  if (differs("/arrival")) line(out, "arrival", arrival_text(base), arrival_text(candidate));
  if (differs("/shard")) line(out, "shard", shard_text(base), shard_text(candidate));
  list_differences(out, differs, "steps", base.steps, candidate.steps, step_differences);
  list_differences(out, differs, "requests", base.requests, candidate.requests,
                   request_differences);
  for (auto& l : differs.rest()) out.push_back(std::move(l));
  return out;
}

}  // namespace lg::reports
