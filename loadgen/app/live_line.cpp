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

}  // namespace

std::string live_line(const TimelinePoint& p, const RunPlan& plan) {
  const Schedule schedule(plan.steps);
  const auto step = schedule.step_at(p.second * 1'000'000'000);
  const auto& c = p.counters;
  return fmt("[%4llds] step %u/%zu | sent %s done %s | p50 %s p95 %s p99 %s | err %llu",
             static_cast<long long>(p.second + 1), step + 1, plan.steps.size(),
             format_rate(static_cast<double>(c.sent)).c_str(),
             format_rate(static_cast<double>(c.completed)).c_str(), ms(p.latency.p50).c_str(),
             ms(p.latency.p95).c_str(), ms(p.latency.p99).c_str(),
             static_cast<unsigned long long>(c.failed())) +
         fmt(" | late %llu drop %llu | conns %u | cpu %.0f%% lag %.2fms",
             static_cast<unsigned long long>(c.late), static_cast<unsigned long long>(c.dropped),
             p.open_connections, p.cpu_percent, p.max_lag_ms);
}

std::string step_table(const RunResult& r) {
  std::string out = fmt("%-22s %10s %10s %9s %9s %9s %9s %8s %8s %8s\n", "step", "target/s",
                        "achieved/s", "p50", "p95", "p99", "max", "errors", "late", "dropped");
  auto row = [&](const std::string& name, double target, double achieved, const StepAccum& a) {
    const auto l = summarize(a.latency);
    out += fmt("%-22s %10.1f %10.1f %9s %9s %9s %9s %7.2f%% %8llu %8llu\n", name.c_str(), target,
               achieved, ms(l.p50).c_str(), ms(l.p95).c_str(), ms(l.p99).c_str(), ms(l.max).c_str(),
               a.counters.error_rate() * 100.0, static_cast<unsigned long long>(a.counters.late),
               static_cast<unsigned long long>(a.counters.dropped));
  };
  for (const auto& s : r.steps) row(s.plan.label, s.target_rate, s.achieved_rate, s.data);
  const double secs = static_cast<double>(r.duration_ns) / 1e9;
  row("total", 0, secs > 0 ? static_cast<double>(r.total.counters.sent) / secs : 0, r.total);
  return out;
}

}  // namespace lg::app
