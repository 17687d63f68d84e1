#include "reports/html/compare_page.h"

#include "reports/html/chart_js.h"
#include "reports/html/html_report_assets.h"
#include "reports/html/html_text.h"

namespace lg::reports {
namespace {

constexpr std::string_view kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.summary { font-weight: 600; padding: .5em .8em; border-radius: 4px; }
.summary.worse { background: #fde2e1; } .summary.ok { background: #e3f4e1; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 1em; }
.chart { position: relative; height: 300px; }
table { border-collapse: collapse; margin-top: .5em; }
th, td { border-bottom: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.worse td, td.worse { background: #fde2e1; } tr.better td, td.better { background: #e3f4e1; }
.note { color: #8a5a00; } dt { font-weight: 600; } dd { margin: 0 0 .4em 1em; }
)css";

// Chart helpers for the pages' render code, then the render call and the readiness flags.
constexpr std::string_view kHelpers = R"js(
var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
               "#7f7f7f", "#bcbd22"];  // no red: red marks regressions
function color(i) { return palette[i % palette.length]; }
function axis(title, extra) {
  return Object.assign({ beginAtZero: true, title: { display: true, text: title } }, extra || {});
}
function makeChart(id, type, data, scales, extra) {
  var canvas = document.getElementById(id);
  if (!canvas) throw new Error("no canvas #" + id);
  new Chart(canvas, { type: type, data: data, options: Object.assign({
    animation: false, responsive: true, maintainAspectRatio: false, scales: scales,
    interaction: { mode: "nearest", intersect: false }, plugins: { legend: { position: "bottom" } }
  }, extra || {}) });
  return 1;
}
)js";

}  // namespace

std::string html_page(const Page& p) {
  // The error recorder first, so that it sees errors in everything after it (Chart.js too).
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      escape_html(p.title) + "</title>\n<style>" + std::string(kStyle) +
      "</style>\n</head>\n<body data-ready=\"0\" data-charts=\"0\" data-errors=\"\">\n" +
      "<script>\n" + script_code(embedded::report_errors_js()) + "</script>\n" + p.body_html +
      "<script>\n" + script_code(embedded::chart_js()) + "\n</script>\n";
  out += "<script type=\"application/json\" id=\"lg-data\">" + json_for_script(p.data) +
         "</script>\n<script>\n" + std::string(kHelpers);
  out +=
      "(function () {\n  var charts = 0;\n  try {\n"
      "    var data = JSON.parse(document.getElementById(\"lg-data\").textContent);\n"
      "    charts = (function (data) {" +
      script_code(p.render_js) +
      "})(data);\n"
      "  } catch (e) {\n    window.lgRecordError(e && e.stack || e);\n  } finally {\n"
      "    document.body.dataset.charts = String(charts);\n"
      "    document.body.dataset.ready = \"1\";\n  }\n})();\n</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace lg::reports
