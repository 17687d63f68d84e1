// The parts of report.html that are text and tables, rendered here as HTML so that they read
// without JavaScript: the verdict banner, the checks, the per-step table, the generator's
// health figures, the scale events, the timed actions and the scenario as run. The charts are drawn
// by the page's script into the empty containers these sections leave (ids "timeline-charts",
// "spectrum-chart", "generator-chart"). Every string from the result is escaped.
#pragma once
#include <string>

#include "reports/result/result_reader.h"

namespace lg::reports {

// PASS/FAIL, scenario name, target, start time, duration, tool version, headline figures.
std::string verdict_section(const StoredResult& stored);
// Every check: failed ones first (in their stored order), then the passed ones.
std::string checks_section(const std::vector<Check>& checks);
// The per-second charts' container.
std::string timeline_section(const RunRecord& rec);
std::string steps_section(const RunResult& r);
std::string spectrum_section();
std::string generator_section(const RunResult& r);
// Empty when the run had no scale events.
std::string events_section(const StackRecord& observed);
// Every timed action, fired or not, with its outcome; empty when the run had none.
std::string actions_section(const RunResult& r);
std::string scenario_section(const RunRecord& rec);

}  // namespace lg::reports
