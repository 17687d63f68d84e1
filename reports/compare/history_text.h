// A History as text for the terminal: the trend table (one column per release), the
// regressions in words, then a one-line summary. Pure.
#pragma once
#include <string>

#include "reports/compare/history.h"

namespace lg::reports {

// "releases ordered by ...", the table (scope, metric, one column per release, trend), a legend,
// then one sentence per regression that entered: where, by how much, whether it persisted.
std::string history_table(const History& h);

// One line: "history: REGRESSION: the newest release v2.0.0 is worse than v1.10.1 in 2 metrics
// (worst: ...); tolerance 10%, latency floor 5ms", or "history: no regression in the newest
// release ...; 3 regressions entered earlier (2 persisted); tolerance ...".
std::string history_summary(const History& h);

// A trend's fate in a few words: "entered at v1.10.0 (+50%), persisted", "recovered at ..."; "-"
// when no regression entered.
std::string trend_words(const History& h, const Trend& t);

}  // namespace lg::reports
