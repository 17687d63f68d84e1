#include "validators/fault_window.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

namespace lg::validators::detail {

std::uint32_t fault_count(const RunResult& result) {
  std::set<std::uint32_t> faults;
  for (const auto& a : result.actions)
    if (a.fault != 0) faults.insert(a.fault);
  return static_cast<std::uint32_t>(faults.size());
}

std::string seconds_text(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
  return buf;
}

std::expected<FaultWindow, std::string> fault_window(const RunResult& result, std::uint32_t fault) {
  std::vector<const ActionEvent*> acts;
  for (const auto& a : result.actions)
    if (a.fault == fault && fault != 0) acts.push_back(&a);
  if (acts.empty())
    return std::unexpected("the run has no fault " + std::to_string(fault) + " (it has " +
                           std::to_string(fault_count(result)) + ")");
  std::stable_sort(acts.begin(), acts.end(),
                   [](const ActionEvent* a, const ActionEvent* b) { return a->at_ns < b->at_ns; });
  FaultWindow w;
  w.fault = fault;
  w.what = acts.front()->kind + (acts.front()->target.empty() ? "" : " " + acts.front()->target);
  const std::string name = "fault " + std::to_string(fault) + " (" + w.what + ")";
  // "did not fire: "OUTCOME"" or "failed at t=5.000 s: "OUTCOME"".
  const auto why = [](const ActionEvent& a) -> std::string {
    if (a.fired_ns < 0) return "did not fire: \"" + a.outcome + "\"";
    return "failed at t=" + seconds_text(a.fired_ns) + " s: \"" + a.outcome + "\"";
  };
  const ActionEvent& first = *acts.front();
  if (first.fired_ns < 0 || !first.ok) return std::unexpected(name + " " + why(first));
  w.start_ns = first.fired_ns;
  if (acts.size() == 1) {
    w.end_ns = w.start_ns + kSecondNs;
    return w;
  }
  const ActionEvent& last = *acts.back();
  if (last.fired_ns < 0 || !last.ok)
    return std::unexpected(name + " did not end within the run: its " + last.kind + " " +
                           why(last));
  w.instant = false;
  w.end_ns = std::max(last.fired_ns, w.start_ns);
  return w;
}

}  // namespace lg::validators::detail
