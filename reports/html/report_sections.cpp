#include "reports/html/report_sections.h"

#include <algorithm>
#include <cmath>

#include "loadgen/core/url.h"
#include "reports/html/html_text.h"
#include "reports/html/report_data.h"

namespace lg::reports {
namespace {

double seconds(std::int64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

std::string cell(const std::string& html, const char* cls = nullptr) {
  return cls ? "<td class=\"" + std::string(cls) + "\">" + html + "</td>" : "<td>" + html + "</td>";
}

std::string text_cell(const std::string& text, const char* cls = nullptr) {
  return cell(escape_html(text), cls);
}

std::string badge(bool passed) {
  return passed ? "<span class=\"badge pass\">PASS</span>"
                : "<span class=\"badge fail\">FAIL</span>";
}

// One headline figure: a big value over a small caption.
std::string figure(const std::string& value, const std::string& caption) {
  return "<div class=\"figure\"><div class=\"value\">" + escape_html(value) +
         "</div><div class=\"caption\">" + escape_html(caption) + "</div></div>";
}

// "http_5xx 3, timeout 1", or "-" when there were none.
std::string errors_by_category(const Counters& c) {
  std::string out;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (c.errors[k] == 0) continue;
    if (!out.empty()) out += ", ";
    out +=
        std::string(error_kind_name(static_cast<ErrorKind>(k))) + " " + format_count(c.errors[k]);
  }
  return out.empty() ? "-" : out;
}

// "&ge; 1.00 s" when the figure falls among timed-out requests (a lower bound).
std::string stat_ms(const LatencySummary& l, LatencyStat s) {
  return (l.at_least(s) ? "≥ " : "") + format_ms(l.value(s));
}

std::string replicas_text(const ReplicaSummary& r) {
  if (r.min < 0) return "-";
  return std::to_string(r.min) + " / " + std::to_string(r.max) + " / " + fixed(r.mean, 2);
}

std::string meta_line(const StoredResult& stored) {
  const auto& r = stored.result;
  const auto mode = r.plan.mode == LoopMode::kOpen
                        ? std::string("open loop, ") +
                              (r.plan.arrival == Arrival::kPoisson ? "Poisson" : "constant") +
                              " arrivals"
                        : std::string("closed loop");
  std::string shard;
  if (r.plan.shard_count > 1) {
    shard = " · shard " + std::to_string(r.plan.shard_index + 1) + "/" +
            std::to_string(r.plan.shard_count);
  }
  return escape_html(r.target_url) + " · started " + escape_html(r.started_at) + " · " +
         fixed(seconds(r.duration_ns), 1) + " s · " + std::to_string(r.steps.size()) +
         " step(s) · " + mode + escape_html(shard) + " · loadgen " +
         escape_html(stored.tool_version);
}

std::string figures(const StoredResult& stored) {
  const auto& r = stored.result;
  const auto lat = summarize_latency(r.total.latency, r.total.counters, r.plan.timeout_ns);
  const double secs = seconds(r.duration_ns);
  const double rate = secs > 0 ? static_cast<double>(r.total.counters.sent) / secs : 0;
  const auto failed = std::count_if(stored.checks.begin(), stored.checks.end(),
                                    [](const Check& c) { return !c.passed; });
  return "<div class=\"figures\">" + figure(format_count(r.total.counters.scheduled), "requests") +
         figure(format_per_second(rate), "achieved rate") +
         figure(stat_ms(lat, LatencyStat::kP50), "p50") +
         figure(stat_ms(lat, LatencyStat::kP95), "p95") +
         figure(stat_ms(lat, LatencyStat::kP99), "p99") +
         figure(format_fraction(r.total.counters.error_rate()), "error rate") +
         figure(std::to_string(failed) + " / " + std::to_string(stored.checks.size()),
                "checks failed") +
         "</div>";
}

std::string check_row(const Check& c) {
  return std::string("<tr class=\"") + (c.passed ? "pass" : "fail") + "\">" +
         cell(badge(c.passed)) + text_cell(c.name, "name") + text_cell(c.scope, "scope") +
         text_cell(c.limit, "num") + text_cell(c.observed, "num") + text_cell(c.explanation) +
         "</tr>\n";
}

std::string step_row(std::size_t i, const StepResult& s, std::int64_t timeout_ns) {
  const auto& c = s.data.counters;
  const auto lat = summarize_latency(s.data.latency, c, timeout_ns);
  const auto users = s.plan.users > 0 ? std::to_string(s.plan.users) : "-";
  return "<tr" + std::string(s.plan.warmup ? " class=\"warmup\"" : "") + ">" +
         cell(std::to_string(i + 1), "num") + text_cell(step_label(i, s)) + cell(users, "num") +
         cell(s.plan.warmup ? "warm-up" : "") + cell(format_per_second(s.target_rate), "num") +
         cell(format_per_second(s.achieved_rate), "num") +
         cell(format_per_second(s.ok_rate), "num") + cell(stat_ms(lat, LatencyStat::kP50), "num") +
         cell(stat_ms(lat, LatencyStat::kP95), "num") +
         cell(stat_ms(lat, LatencyStat::kP99), "num") +
         cell(stat_ms(lat, LatencyStat::kMax), "num") +
         cell(format_fraction(c.error_rate()), "num") + cell(errors_by_category(c)) +
         cell(format_count(c.late), "num") + cell(format_count(c.dropped), "num") +
         cell(replicas_text(s.replicas), "num") + "</tr>\n";
}

// A term and its value in a definition list.
std::string item(const std::string& term, const std::string& value_html) {
  return "<dt>" + escape_html(term) + "</dt><dd>" + value_html + "</dd>";
}

std::string yes_no(bool yes, bool good_when_yes) {
  const bool good = yes == good_when_yes;
  return std::string("<span class=\"") + (good ? "ok" : "bad") + "\">" + (yes ? "yes" : "no") +
         "</span>";
}

}  // namespace

std::string verdict_section(const StoredResult& stored) {
  const auto& r = stored.result;
  std::string note;
  if (r.interrupted) note = "<p class=\"note\">Interrupted: these are partial results.</p>";
  return std::string("<header class=\"verdict ") + (stored.passed ? "pass" : "fail") + "\">" +
         "<div class=\"verdict-word\">" + (stored.passed ? "PASS" : "FAIL") + "</div>" +
         "<div class=\"verdict-text\"><h1>" + escape_html(r.plan.name) + "</h1><p class=\"meta\">" +
         meta_line(stored) + "</p>" + note + "</div></header>\n" + figures(stored) + "\n";
}

std::string checks_section(const std::vector<Check>& checks) {
  std::vector<const Check*> order;
  for (const auto& c : checks) order.push_back(&c);
  std::stable_partition(order.begin(), order.end(), [](const Check* c) { return !c->passed; });
  const auto failed =
      std::count_if(checks.begin(), checks.end(), [](auto& c) { return !c.passed; });
  std::string title = checks.empty() ? "Checks: none"
                      : failed == 0  ? "Checks: all " + std::to_string(checks.size()) + " passed"
                                     : "Checks: " + std::to_string(failed) + " of " +
                                          std::to_string(checks.size()) + " failed";
  std::string rows;
  for (const auto* c : order) rows += check_row(*c);
  return "<section id=\"checks\"><h2>" + escape_html(title) + "</h2>\n" +
         "<table><thead><tr><th></th><th>check</th><th>scope</th><th>expected</th>"
         "<th>observed</th><th>explanation</th></tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

std::string timeline_section(const RunRecord& rec) {
  const auto& r = rec.result;
  const bool replicas = std::any_of(r.timeline.begin(), r.timeline.end(),
                                    [](const TimelinePoint& t) { return t.replicas >= 0; });
  return std::string("<section id=\"timeline\"><h2>Over time</h2>") +
         "<p class=\"hint\">Per second, on one time axis (s since the start). Dashed lines: step "
         "boundaries" +
         (rec.observed.events.empty() ? "" : "; coloured lines: scale events") +
         (std::any_of(r.actions.begin(), r.actions.end(),
                      [](const ActionEvent& a) { return a.fired_ns >= 0; })
              ? "; blue lines: timed actions, when they fired"
              : "") +
         ". Latency is measured from each request's intended send time." +
         (replicas ? " Replicas are read from the load balancer each second." : "") +
         "</p><div id=\"timeline-charts\"></div></section>\n";
}

std::string steps_section(const RunResult& r) {
  std::string rows;
  for (std::size_t i = 0; i < r.steps.size(); ++i)
    rows += step_row(i, r.steps[i], r.plan.timeout_ns);
  return "<section id=\"steps\"><h2>Steps</h2>\n<table><thead><tr><th>#</th><th>step</th>"
         "<th>users</th><th></th><th>target</th><th>sent/s</th><th>ok/s</th><th>p50</th><th>p95</"
         "th>"
         "<th>p99</th><th>max</th><th>error rate</th><th>errors</th><th>late</th>"
         "<th>dropped</th><th>replicas min / max / mean</th></tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

std::string spectrum_section() {
  return "<section id=\"spectrum\"><h2>Latency distribution</h2><p class=\"hint\">Percentile "
         "spectrum of each measured (non-warm-up) step, from its full histogram: latency at each "
         "percentile, both axes logarithmic.</p><div id=\"spectrum-chart\"></div></section>\n";
}

std::string generator_section(const RunResult& r) {
  const auto& g = r.generator;
  const auto lag = summarize(g.lag);
  const auto& c = r.total.counters;
  std::string saturated = yes_no(g.saturated, false);
  if (g.saturated && !g.saturation_reason.empty()) {
    saturated += " (" + escape_html(g.saturation_reason) + ")";
  }
  return "<section id=\"generator\"><h2>Generator health</h2><dl class=\"facts\">" +
         item("threads", std::to_string(g.threads)) +
         item("CPU", fixed(g.cpu_seconds, 2) + " s, " + fixed(g.cpu_us_per_request, 1) +
                         " µs per request") +
         item("peak RSS", fixed(static_cast<double>(g.peak_rss_kb) / 1024.0, 1) + " MB") +
         item("schedule lag", "p99 " + format_ms(lag.p99) + ", max " + format_ms(lag.max)) +
         item("late", format_count(c.late)) + item("dropped", format_count(c.dropped)) +
         item("saturated", saturated) + item("clean shutdown", yes_no(g.clean_shutdown, true)) +
         "</dl><div id=\"generator-chart\"></div></section>\n";
}

std::string events_section(const StackRecord& observed) {
  if (observed.events.empty()) return "";
  std::string rows;
  for (const auto& e : observed.events) {
    rows += "<tr>" + cell(fixed(e.t_s, 1), "num") + text_cell(e.type) +
            cell(std::to_string(e.from) + " &rarr; " + std::to_string(e.to), "num") +
            text_cell(e.reason) + "</tr>\n";
  }
  return "<section id=\"events\"><h2>Scale events</h2>\n<table><thead><tr><th>t (s)</th>"
         "<th>event</th><th>replicas</th><th>reason</th></tr></thead><tbody>\n" +
         rows + "</tbody></table></section>\n";
}

std::string actions_section(const RunResult& r) {
  if (r.actions.empty()) return "";
  std::string rows;
  for (const auto& a : r.actions) {
    const auto fired = a.fired_ns < 0 ? std::string("-") : fixed(seconds(a.fired_ns), 3);
    rows += "<tr>" + cell(fixed(seconds(a.at_ns), 3), "num") + cell(fired, "num") +
            cell(a.fault == 0 ? std::string("-") : std::to_string(a.fault), "num") +
            text_cell(a.kind) + text_cell(a.target) + text_cell(a.ok ? "ok" : "not ok") +
            text_cell(a.outcome) + "</tr>\n";
  }
  return "<section id=\"actions\"><h2>Timed actions</h2>\n<table><thead><tr><th>planned (s)</th>"
         "<th>fired (s)</th><th>fault</th><th>kind</th><th>target</th><th>ok</th><th>outcome</th></tr></thead>"
         "<tbody>\n" +
         rows + "</tbody></table></section>\n";
}

std::string scenario_section(const RunRecord& rec) {
  const auto& r = rec.result;
  const auto& p = r.plan;
  std::string slos;
  for (const auto& s : rec.slos)
    slos += "<li><code>" + escape_html(validators::slo_source(s)) + "</code></li>";
  std::string requests;
  for (const auto& q : p.requests) {
    requests += "<li><code>" + escape_html(q.method + " " + q.path) + "</code> weight " +
                std::to_string(q.weight) + "</li>";
  }
  return "<section id=\"scenario\"><details><summary>Scenario as run</summary><dl "
         "class=\"facts\">" +
         item("target", escape_html(r.target_url)) +
         item("timeout", format_ms(static_cast<double>(p.timeout_ns) / 1e6)) +
         item("threads", std::to_string(p.threads)) +
         item("connections", p.connections > 0 ? std::to_string(p.connections) : "automatic") +
         item("seed", std::to_string(p.seed)) + item("requests", "<ul>" + requests + "</ul>") +
         item("SLOs", slos.empty() ? "none" : "<ul>" + slos + "</ul>") +
         "</dl></details></section>\n";
}

}  // namespace lg::reports
