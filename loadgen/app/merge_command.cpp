#include "loadgen/app/merge_command.h"

#include <filesystem>
#include <iostream>
#include <system_error>

#include "loadgen/app/live_line.h"
#include "loadgen/app/publish.h"
#include "loadgen/core/exit_codes.h"
#include "reports/merge/merge.h"
#include "reports/result/result_reader.h"
#include "validators/verdict.h"

namespace lg::app {
namespace {

namespace fs = std::filesystem;

// OUT.json as given, or DIR/result.json when OUT names an existing folder (as readers accept).
fs::path out_file(const std::string& out) {
  std::error_code ec;
  return fs::is_directory(out, ec) ? fs::path(out) / "result.json" : fs::path(out);
}

// Overwriting a shard with the merge would lose it (an easy slip: `loadgen merge shard-*`).
bool is_a_shard(const fs::path& out, const std::vector<std::string>& shards) {
  std::error_code ec;
  for (const auto& s : shards) {
    const auto file = fs::is_directory(s, ec) ? fs::path(s) / "result.json" : fs::path(s);
    if (fs::equivalent(out, file, ec)) return true;
  }
  return false;
}

// The merged run's report.html: beside OUT (OUT's name with .html, or report.html for a
// result.json).
fs::path report_beside(const fs::path& out) {
  return out.filename() == "result.json" ? out.parent_path() / "report.html"
                                         : fs::path(out).replace_extension(".html");
}

}  // namespace

int merge_command(const MergeCommand& cmd) {
  const auto out = out_file(cmd.out_path);
  if (is_a_shard(out, cmd.shard_paths)) {
    std::cerr << "loadgen: merge: " << out.string()
              << " is one of the shards; give the merged file a new name first (loadgen merge "
                 "OUT.json SHARD.json...)\n";
    return kExitInvalidInput;
  }
  std::vector<reports::StoredResult> shards;
  for (const auto& path : cmd.shard_paths) {
    auto stored = reports::read_result(path);
    if (!stored) {
      std::cerr << "loadgen: " << stored.error() << '\n';
      return kExitInvalidInput;
    }
    shards.push_back(std::move(*stored));
  }
  auto merged = reports::merge_shards(shards, cmd.shard_paths);
  if (!merged) {
    std::cerr << "loadgen: merge: " << merged.error() << '\n';
    return kExitInvalidInput;
  }
  shards.clear();  // the histograms are in `merged` now
  const auto& run = merged->result;
  const auto verdict = validators::judge_run(run, merged->slos, merged->observed);
  std::cout << "loadgen: merged " << cmd.shard_paths.size() << " shard(s) of " << run.plan.name
            << ", started " << run.started_at << '\n'
            << step_table(run) << validators::verdict_table(verdict);
  const bool interrupted = run.interrupted;
  const auto stored = reports::stored_result(std::move(*merged), verdict.checks);
  if (auto written = publish(stored, out, report_beside(out)); !written) {
    std::cerr << "loadgen: " << written.error() << '\n';
    return kExitEnvironment;
  }
  if (interrupted) std::cerr << "loadgen: at least one shard was interrupted\n";
  return validators::exit_code(verdict, interrupted);
}

}  // namespace lg::app
