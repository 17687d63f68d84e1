#include "reports/html/compare_html.h"

#include "reports/html/compare_page.h"
#include "reports/compare/compare_text.h"
#include "reports/html/html_text.h"

namespace lg::reports {
namespace {

using nlohmann::json;

constexpr std::string_view kRender = R"js(
    // The candidate dashed: where the runs agree, both lines stay visible.
    function line(label, series, i) {
      return { label: label, borderColor: color(i), backgroundColor: color(i), pointRadius: 0,
               borderWidth: 1.5, spanGaps: false, borderDash: i > 0 ? [6, 4] : [],
               data: series.map(function (p) { return { x: p[0], y: p[1] }; }) };
    }
    var time = axis("seconds since the run's start", { type: "linear" });
    var n = 0;
    n += makeChart("p95-chart", "line", { datasets: [line("base", data.base.p95, 0),
        line("candidate", data.candidate.p95, 1)] }, { x: time, y: axis("p95 latency (ms)") });
    n += makeChart("rate-chart", "line", { datasets: [line("base", data.base.rate, 0),
        line("candidate", data.candidate.rate, 1)] }, { x: time, y: axis("requests sent / s") });
    var shades = { base: ["#9ecae1", "#4292c6", "#08519c"], candidate: ["#fcae91", "#fb6a4a", "#cb181d"] };
    var bars = [];
    ["p50", "p95", "p99"].forEach(function (p, k) {
      ["base", "candidate"].forEach(function (side) {
        bars.push({ label: side + " " + p, data: data.bars[side][p], backgroundColor: shades[side][k] });
      });
    });
    n += makeChart("steps-chart", "bar", { labels: data.scopes, datasets: bars },
                   { x: { title: { display: true, text: "step" } }, y: axis("latency (ms)") });
    return n;
)js";

json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

// Per second: [t, p95 ms or null] and [t, requests sent].
json timeline_json(const RunResult& r) {
  json p95 = json::array(), rate = json::array();
  for (const auto& t : r.timeline) {
    // A stored timeline keeps no latency count: responses tell whether the second had any.
    const auto& c = t.counters;
    const bool measured =
        c.completed + c.error(ErrorKind::kHttp4xx) + c.error(ErrorKind::kHttp5xx) > 0 ||
        t.latency.count > 0;
    p95.push_back({t.second, measured ? json(t.latency.p95) : json(nullptr)});
    rate.push_back({t.second, t.counters.sent});
  }
  return {{"p95", p95}, {"rate", rate}};
}

json page_data(const Comparison& c, const RunResult& base, const RunResult& candidate) {
  json scopes = json::array();
  json bars = {
      {"base", {{"p50", json::array()}, {"p95", json::array()}, {"p99", json::array()}}},
      {"candidate", {{"p50", json::array()}, {"p95", json::array()}, {"p99", json::array()}}}};
  for (const auto& r : c.rows) {
    if (r.metric == Metric::kP50) scopes.push_back(r.scope);
    if (r.metric != Metric::kP50 && r.metric != Metric::kP95 && r.metric != Metric::kP99) continue;
    const std::string p(metric_name(r.metric));
    bars["base"][p].push_back(opt(r.base));
    bars["candidate"][p].push_back(opt(r.candidate));
  }
  return {{"base", timeline_json(base)},
          {"candidate", timeline_json(candidate)},
          {"scopes", scopes},
          {"bars", bars}};
}

std::string run_dd(const ComparedRun& r) {
  // The target without its scheme: the page names no URL at all (it loads nothing).
  auto target = r.result.target_url;
  if (const auto at = target.find("://"); at != std::string::npos) target.erase(0, at + 3);
  return "<dd>" + escape_html(r.file) + ": started " + escape_html(r.result.started_at) +
         ", target " + escape_html(target) + "</dd>\n";
}

std::string change_class(Change c) {
  return c == Change::kWorse ? "worse" : c == Change::kBetter ? "better" : "";
}

std::string value_cell(Metric m, const std::optional<double>& v) {
  return "<td class=\"num\">" + (v ? escape_html(format_value(m, *v)) : "n/a") + "</td>";
}

std::string table_html(const Comparison& c) {
  std::string out =
      "<table>\n<tr><th>scope</th><th>metric</th><th>base</th><th>candidate</th><th>delta</th>"
      "<th>verdict</th></tr>\n";
  for (const auto& r : c.rows) {
    out += "<tr class=\"" + change_class(r.judged.change) + "\"><td>" + escape_html(r.scope) +
           "</td><td>" + std::string(metric_name(r.metric)) + "</td>" +
           value_cell(r.metric, r.base) + value_cell(r.metric, r.candidate) + "<td class=\"num\">" +
           escape_html(delta_text(r)) + "</td><td>" + std::string(change_name(r.judged.change)) +
           ": " + escape_html(r.explanation) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string body_html(const Comparison& c, const ComparedRun& base, const ComparedRun& candidate) {
  std::string out = "<h1>loadgen compare: " + escape_html(base.result.plan.name) + "</h1>\n";
  out += "<p class=\"summary " + std::string(c.regressed() ? "worse" : "ok") + "\">" +
         escape_html(comparison_summary(c)) + "</p>\n<dl>\n<dt>base</dt>" + run_dd(base) +
         "<dt>candidate</dt>" + run_dd(candidate) + "</dl>\n";
  for (const auto& n : c.notes) out += "<p class=\"note\">note: " + escape_html(n) + "</p>\n";
  out += "<h2>Both runs</h2>\n<div class=\"charts\">\n";
  for (const char* id : {"p95-chart", "rate-chart", "steps-chart"})
    out += "<div class=\"chart\"><canvas id=\"" + std::string(id) + "\"></canvas></div>\n";
  out += "</div>\n<h2>Per step and for the whole run</h2>\n" + table_html(c);
  return out;
}

}  // namespace

std::string comparison_html(const Comparison& c, const ComparedRun& base,
                            const ComparedRun& candidate) {
  return html_page({"loadgen compare: " + base.result.plan.name, body_html(c, base, candidate),
                    page_data(c, base.result, candidate.result), kRender});
}

}  // namespace lg::reports
