// report.html's own stylesheet and scripts (reports/html_report*.css|js), embedded at build
// time by cmake/EmbedText.cmake like Chart.js (reports/html/chart_js.h), so the page is one file.
#pragma once
#include <string_view>

namespace lg::embedded {

std::string_view report_css();        // reports/html/html_report.css
std::string_view report_errors_js();  // reports/html/html_report_errors.js: runs first, records
                                      // every JS error on <body data-errors>
std::string_view report_js();         // reports/html/html_report.js: draws the charts

}  // namespace lg::embedded
