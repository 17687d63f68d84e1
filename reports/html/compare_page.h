// The frame shared by the comparison and trend pages: one self-contained HTML file that opens
// offline (Chart.js inlined, the data as JSON in the page, no network), and the readiness
// protocol a headless browser test reads from <body>, the same as report.html's: data-ready="1"
// once rendering finished (even if it failed), data-charts = charts drawn, data-errors = the
// JavaScript errors seen ("" when none; recorded by report.html's html_report_errors.js).
// Escaping comes from html_text.h.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lg::reports {

struct Page {
  std::string title;
  std::string body_html;  // already escaped (html_text.h escape_html)
  nlohmann::json data;    // given to render_js as `data`
  // The body of `function (data) {...}`: draws the charts with the global `Chart` and returns
  // how many it drew. The helpers in compare_page.cpp (lineChart, barChart, ...) are in scope.
  std::string_view render_js;
};

std::string html_page(const Page& p);

}  // namespace lg::reports
