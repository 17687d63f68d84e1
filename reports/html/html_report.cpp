#include "reports/html/html_report.h"

#include "reports/result/atomic_file.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include "loadgen/version.h"
#include "reports/html/chart_js.h"
#include "reports/html/html_report_assets.h"
#include "reports/html/html_text.h"
#include "reports/html/report_data.h"
#include "reports/html/report_sections.h"

namespace lg::reports {
namespace {

std::string head(const StoredResult& stored) {
  const auto title = std::string(stored.passed ? "PASS" : "FAIL") + " · " +
                     stored.result.plan.name + " · " + stored.result.started_at;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta name=\"generator\" content=\"loadgen " +
         escape_html(kVersion) + "\">\n<title>" + escape_html(title) + "</title>\n<style>\n" +
         std::string(embedded::report_css()) + "</style>\n</head>\n";
}

std::string body(const StoredResult& stored) {
  const auto& r = stored.result;
  return "<body data-ready=\"0\" data-charts=\"0\" data-errors=\"\">\n<main>\n" +
         verdict_section(stored) + checks_section(stored.checks) + timeline_section(stored) +
         steps_section(r) + spectrum_section() + generator_section(r) +
         events_section(stored.observed) + actions_section(r) + scenario_section(stored) +
         "<footer>Rendered by loadgen " + escape_html(kVersion) +
         " from result.json. Self-contained: charts by Chart.js (MIT), inlined.</footer>\n"
         "</main>\n";
}

// In this order: the error recorder (so it sees errors in what follows), Chart.js, the data,
// the page's own script.
std::string scripts(const StoredResult& stored) {
  return "<script>\n" + script_code(embedded::report_errors_js()) + "</script>\n<script>\n" +
         script_code(embedded::chart_js()) + "\n</script>\n" +
         "<script type=\"application/json\" id=\"lg-data\">" +
         json_for_script(report_data(stored)) + "</script>\n<script>\n" +
         script_code(embedded::report_js()) + "</script>\n";
}

}  // namespace

std::string render_report_html(const StoredResult& stored) {
  return head(stored) + body(stored) + scripts(stored) + "</body>\n</html>\n";
}

std::expected<std::string, std::string> render_report_html(const nlohmann::json& result_doc,
                                                           const std::string& source_name) {
  auto stored = result_from_json(result_doc, source_name);
  if (!stored) return std::unexpected(stored.error());
  return render_report_html(*stored);
}

std::expected<std::filesystem::path, std::string> write_report(const std::string& html,
                                                               const std::filesystem::path& file) {
  return write_atomically(html, file);
}

}  // namespace lg::reports
