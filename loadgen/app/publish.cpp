#include "loadgen/app/publish.h"

#include <iostream>

#include "reports/html/html_report.h"
#include "reports/result/result_json.h"

namespace lg::app {

std::expected<std::filesystem::path, std::string> publish(
    const reports::StoredResult& stored, const std::filesystem::path& result_file,
    const std::optional<std::filesystem::path>& report_file) {
  auto written = reports::write_result_file(reports::to_json(stored, stored.checks), result_file);
  if (!written) return written;
  std::cout << "result: " << written->string() << '\n';
  if (!report_file) return written;
  const auto report = reports::write_report(reports::render_report_html(stored), *report_file);
  if (report)
    std::cout << "report: " << report->string() << '\n';
  else
    std::cerr << "loadgen: report.html not written: " << report.error() << '\n';
  return written;
}

}  // namespace lg::app
