#include "loadgen/app/compare_command.h"

#include <fstream>
#include <iostream>

#include "loadgen/core/exit_codes.h"
#include "reports/compare/compare.h"
#include "reports/html/compare_html.h"
#include "reports/compare/compare_text.h"
#include "reports/compare/history.h"
#include "reports/compare/history_files.h"
#include "reports/html/history_html.h"
#include "reports/compare/history_text.h"
#include "reports/result/result_reader.h"

namespace lg::app {
namespace {

reports::Tolerance tolerance_of(const CompareCommand& cmd) {
  reports::Tolerance t;
  t.relative = cmd.tolerance;
  t.latency_floor_ms = cmd.floor_ms;
  return t;  // rate and error-rate floors keep their defaults (compare.h)
}

// The page, or exit code 3 (results not writable) saying why.
int write_html(const std::string& path, const std::string& html) {
  std::ofstream out(path, std::ios::trunc);
  out << html;
  out.close();
  if (!out) {
    std::cerr << "loadgen: compare: cannot write " << path << '\n';
    return kExitEnvironment;
  }
  std::cerr << "loadgen: compare: wrote " << path << '\n';
  return kExitPass;
}

void print_differences(const CompareCommand& cmd, const std::vector<std::string>& diffs) {
  std::cerr << "loadgen: compare: " << cmd.base_path << " and " << cmd.candidate_path
            << " ran different schedules, so their numbers are not comparable (base vs "
               "candidate):\n";
  for (const auto& d : diffs) std::cerr << "  " << d << '\n';
}

int compare_pair(const CompareCommand& cmd) {
  auto base = reports::read_result(cmd.base_path);
  auto candidate = reports::read_result(cmd.candidate_path);
  if (!base) std::cerr << "loadgen: compare: base: " << base.error() << '\n';
  if (!candidate) std::cerr << "loadgen: compare: candidate: " << candidate.error() << '\n';
  if (!base || !candidate) return kExitInvalidInput;
  const auto cmp = reports::compare(base->result, candidate->result, tolerance_of(cmd));
  if (!cmp) {
    print_differences(cmd, cmp.error());
    return kExitInvalidInput;
  }
  std::cout << "loadgen compare: " << base->result.plan.name << ": base " << cmd.base_path
            << " (started " << base->result.started_at << ") vs candidate " << cmd.candidate_path
            << " (started " << candidate->result.started_at << ")\n"
            << reports::comparison_table(*cmp);
  if (!cmd.html_path.empty()) {
    const auto html = reports::comparison_html(*cmp, {cmd.base_path, base->result},
                                               {cmd.candidate_path, candidate->result});
    if (const int code = write_html(cmd.html_path, html); code != kExitPass) return code;
  }
  std::cout << reports::comparison_summary(*cmp) << '\n';
  return cmp->regressed() ? kExitSloFailed : kExitPass;
}

// Exit 1 when the newest release is worse than the one before it (a CI gate run after each
// release), 0 otherwise, 2 with fewer than two comparable results.
int compare_history(const CompareCommand& cmd) {
  auto folder = reports::read_history_folder(cmd.history_dir);
  if (!folder) {
    std::cerr << "loadgen: compare: " << folder.error() << '\n';
    return kExitInvalidInput;
  }
  const auto h = reports::analyze_history(std::move(folder->releases), std::move(folder->warnings),
                                          tolerance_of(cmd));
  for (const auto& w : h.warnings) std::cerr << "loadgen: compare: warning: " << w << '\n';
  if (h.releases.size() < 2) {
    std::cerr << "loadgen: compare: " << cmd.history_dir << ": " << h.releases.size()
              << " comparable result(s); a history needs at least 2 (DIR/<release>/result.json "
                 "or DIR/<release>.json)\n";
    return kExitInvalidInput;
  }
  std::cout << "loadgen compare --history " << cmd.history_dir << ": " << h.scenario << ", "
            << reports::history_table(h);
  if (!cmd.html_path.empty()) {
    if (const int code = write_html(cmd.html_path, reports::history_html(h)); code != kExitPass)
      return code;
  }
  std::cout << reports::history_summary(h) << '\n';
  return h.newest_regressions().empty() ? kExitPass : kExitSloFailed;
}

}  // namespace

int compare_command(const CompareCommand& cmd) {
  return cmd.history_dir.empty() ? compare_pair(cmd) : compare_history(cmd);
}

}  // namespace lg::app
