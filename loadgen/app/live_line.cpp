#include "loadgen/app/live_line.h"

#include "loadgen/core/pacer.h"
#include "loadgen/core/units.h"

namespace lg::app {
namespace {

std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

std::string ms(double v) {
  return format_duration_us(v * 1000.0);
}

// ">=1.00s" when the figure falls among timed-out requests (a lower bound).
// "-" when nothing was recorded (no response and no timeout).
std::string stat(const LatencySummary& l, LatencyStat s) {
  if (l.count == 0) return "-";
  return (l.at_least(s) ? ">=" : "") + ms(l.value(s));
}

}  // namespace

std::string live_line(const TimelinePoint& p, const RunPlan& plan) {
  const Schedule schedule(plan.steps);
  const auto step = schedule.step_at(p.second * 1'000'000'000);
  const auto& c = p.counters;
  return fmt("[%4llds] step %u/%zu | sent %s done %s | p50 %s p95 %s p99 %s | err %llu",
             static_cast<long long>(p.second + 1), step + 1, plan.steps.size(),
             format_rate(static_cast<double>(c.sent)).c_str(),
             format_rate(static_cast<double>(c.completed)).c_str(),
             stat(p.latency, LatencyStat::kP50).c_str(), stat(p.latency, LatencyStat::kP95).c_str(),
             stat(p.latency, LatencyStat::kP99).c_str(),
             static_cast<unsigned long long>(c.failed())) +
         fmt(" | late %llu drop %llu | conns %d | cpu %.0f%% lag %.2fms",
             static_cast<unsigned long long>(c.late), static_cast<unsigned long long>(c.dropped),
             p.open_connections, p.cpu_percent, p.max_lag_ms);
}

// Rates are per planned second: sent/s counts requests sent, ok/s valid responses only (a
// server that fails everything shows ok 0.0). A row with failures is followed by their kinds.
std::string step_table(const RunResult& r) {
  std::string out = fmt("%-22s %9s %9s %9s %9s %9s %9s %9s %8s %7s %8s\n", "step", "target/s",
                        "sent/s", "ok/s", "p50", "p95", "p99", "max", "errors", "late", "dropped");
  auto row = [&](const std::string& name, double target, double sent, double ok,
                 const StepAccum& a) {
    const auto& c = a.counters;
    const auto l = summarize_latency(a.latency, c, r.plan.timeout_ns);
    out += fmt("%-22s %9.1f %9.1f %9.1f %9s %9s %9s %9s %7.2f%% %7llu %8llu\n", name.c_str(),
               target, sent, ok, stat(l, LatencyStat::kP50).c_str(),
               stat(l, LatencyStat::kP95).c_str(), stat(l, LatencyStat::kP99).c_str(),
               stat(l, LatencyStat::kMax).c_str(), c.error_rate() * 100.0,
               static_cast<unsigned long long>(c.late), static_cast<unsigned long long>(c.dropped));
    if (c.unsuccessful() > 0) out += "  failures: " + describe_failures(c, true) + "\n";
  };
  for (const auto& s : r.steps)
    row(s.plan.label, s.target_rate, s.achieved_rate, s.ok_rate, s.data);
  const double secs = static_cast<double>(r.duration_ns) / 1e9;
  auto per_s = [&](std::uint64_t n) { return secs > 0 ? static_cast<double>(n) / secs : 0; };
  row("total", mean_target_rate(r.steps), per_s(r.total.counters.sent),
      per_s(r.total.counters.completed), r.total);
  return out;
}

}  // namespace lg::app
