#include "reports/html/history_html.h"

#include "reports/html/compare_page.h"
#include "reports/compare/history_text.h"
#include "reports/html/html_text.h"

namespace lg::reports {
namespace {

using nlohmann::json;

constexpr std::string_view kRender = R"js(
    var n = 0;
    data.charts.forEach(function (c) {
      var datasets = c.series.map(function (s, i) {
        return { label: s.scope, data: s.values, borderColor: color(i), backgroundColor: color(i),
                 borderWidth: 1.5, spanGaps: true,
                 pointRadius: s.worse.map(function (w) { return w ? 6 : 3; }),
                 pointStyle: s.worse.map(function (w) { return w ? "triangle" : "circle"; }),
                 pointBackgroundColor: s.worse.map(function (w) { return w ? "#d62728" : color(i); }) };
      });
      n += makeChart(c.id, "line", { labels: data.releases, datasets: datasets },
                     { x: { title: { display: true, text: "release" } }, y: axis(c.axis) });
    });
    return n;
)js";

std::string axis_title(Metric m) {
  switch (m) {
    case Metric::kRate:
      return "achieved rate (requests/s)";
    case Metric::kErrorRate:
      return "error rate (%)";
    default:
      return std::string(metric_name(m)) + " latency (ms)";
  }
}

std::string chart_id(Metric m) {
  return "chart-" + std::to_string(static_cast<int>(m));
}

json series_json(const Trend& t) {
  json values = json::array(), worse = json::array();
  for (std::size_t i = 0; i < t.values.size(); ++i) {
    // Error rates are drawn in percent, like the table.
    const double k = t.metric == Metric::kErrorRate ? 100.0 : 1.0;
    values.push_back(t.values[i] ? json(*t.values[i] * k) : json(nullptr));
    worse.push_back(t.changes[i] == Change::kWorse);
  }
  return {{"scope", t.scope}, {"values", values}, {"worse", worse}};
}

json page_data(const History& h) {
  json charts = json::array();
  for (const Metric m : kMetrics) {
    json series = json::array();
    for (const auto& t : h.trends)
      if (t.metric == m) series.push_back(series_json(t));
    charts.push_back({{"id", chart_id(m)}, {"axis", axis_title(m)}, {"series", series}});
  }
  return {{"releases", h.releases}, {"charts", charts}};
}

std::string table_html(const History& h) {
  std::string out = "<table>\n<tr><th>scope</th><th>metric</th>";
  for (const auto& r : h.releases) out += "<th>" + escape_html(r) + "</th>";
  out += "<th>regression</th></tr>\n";
  for (const auto& t : h.trends) {
    out += "<tr><td>" + escape_html(t.scope) + "</td><td>" + std::string(metric_name(t.metric)) +
           "</td>";
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      const auto c = t.changes[i];
      out += std::string("<td class=\"num") +
             (c == Change::kWorse    ? " worse"
              : c == Change::kBetter ? " better"
                                     : "") +
             "\">" + (t.values[i] ? escape_html(format_value(t.metric, *t.values[i])) : "n/a") +
             "</td>";
    }
    out += "<td>" + escape_html(trend_words(h, t)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

std::string body_html(const History& h) {
  const bool regressed = !h.newest_regressions().empty();
  std::string out = "<h1>loadgen history: " + escape_html(h.scenario) + "</h1>\n";
  out += "<p class=\"summary " + std::string(regressed ? "worse" : "ok") + "\">" +
         escape_html(history_summary(h)) + "</p>\n";
  out += "<p>" + std::to_string(h.releases.size()) + " releases, in " + escape_html(order_text(h)) +
         ". Red triangles: worse than the release before.</p>\n";
  for (const auto& w : h.warnings) out += "<p class=\"note\">" + escape_html(w) + "</p>\n";
  out += "<div class=\"charts\">\n";
  for (const Metric m : kMetrics)
    out += "<div class=\"chart\"><canvas id=\"" + chart_id(m) + "\"></canvas></div>\n";
  out += "</div>\n<h2>Trends</h2>\n" + table_html(h);
  for (const auto& t : h.trends) {
    if (t.entered)
      out += "<p>regression at " + escape_html(h.releases[*t.entered]) + ": " +
             escape_html(t.entry_words) + "</p>\n";
  }
  return out;
}

}  // namespace

std::string history_html(const History& h) {
  return html_page({"loadgen history: " + h.scenario, body_html(h), page_data(h), kRender});
}

}  // namespace lg::reports
