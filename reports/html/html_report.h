// report.html: one self-contained page per result (DESIGN.md sections 1 and 7). Inline CSS,
// inline scripts, Chart.js inlined (reports/html/chart_js.h), the chart data embedded as JSON
// (reports/html/report_data.h): it opens offline, from one file, and fetches nothing.
//
// What it shows, top to bottom: the verdict (PASS/FAIL, scenario, start, duration, tool
// version) and headline figures; every check; per-second charts on one time axis (rates,
// latency percentiles, errors by category, replicas when known) with step boundaries and
// scale events marked; the per-step table; each measured step's percentile spectrum; the
// generator's health; scale events; the scenario as run.
//
// For tests, the page's script leaves its state on <body>: data-ready="1" once it has run,
// data-charts = the number of charts drawn, data-errors = any JS error ("" when none).
#pragma once
#include <expected>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/result/result_reader.h"

namespace lg::reports {

// The page for a result.json document (as to_json wrote it, or as read from a file).
// `source_name` labels the reader's errors when the document is not a valid result.
std::expected<std::string, std::string> render_report_html(
    const nlohmann::json& result_doc, const std::string& source_name = "result.json");

// The page for an already decoded result.
std::string render_report_html(const StoredResult& stored);

// Writes `html` to FILE atomically (a temporary file in FILE's directory renamed into place),
// creating FILE's directory. Returns FILE, or why it could not be written.
std::expected<std::filesystem::path, std::string> write_report(const std::string& html,
                                                               const std::filesystem::path& file);

}  // namespace lg::reports
