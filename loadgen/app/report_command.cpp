#include "loadgen/app/report_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "loadgen/core/exit_codes.h"
#include "reports/html/html_report.h"
#include "reports/result/result_reader.h"

namespace lg::app {
namespace {

// report.html beside the result: in the run directory when given one, else in the file's.
std::filesystem::path default_html_path(const std::filesystem::path& result) {
  std::error_code ec;
  if (std::filesystem::is_directory(result, ec)) return result / "report.html";
  return result.parent_path() / "report.html";
}

}  // namespace

int report_command(const ReportCommand& cmd) {
  const auto start = std::chrono::steady_clock::now();
  const auto stored = reports::read_result(cmd.result_path);
  if (!stored) {
    std::cerr << "loadgen: " << stored.error() << '\n';
    return kExitInvalidInput;
  }
  const auto html = reports::render_report_html(*stored);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  const auto out = cmd.html_path.empty() ? default_html_path(cmd.result_path)
                                         : std::filesystem::path(cmd.html_path);
  const auto written = reports::write_report(html, out);
  if (!written) {
    std::cerr << "loadgen: " << written.error() << '\n';
    return kExitEnvironment;
  }
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.0f", took.count());
  std::cout << "report: " << written->string() << " (read and rendered in " << ms << " ms, "
            << html.size() / 1024 << " KB)\n";
  return kExitPass;
}

}  // namespace lg::app
