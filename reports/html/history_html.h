// The trend page of `loadgen compare --history DIR --html FILE`: one chart per metric with a
// line per scope across the releases (points where a release got worse than the one before are
// marked), the trend table and the regressions in words. One self-contained file
// (compare_page.h). Pure: returns the page's text.
#pragma once
#include <string>

#include "reports/compare/history.h"

namespace lg::reports {

std::string history_html(const History& h);

}  // namespace lg::reports
