// Command-line parsing: argv -> a typed command, or an error naming the flag and what is
// accepted. No I/O here beyond what the caller prints.
#pragma once
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/core/run_plan.h"
#include "validators/slo.h"

namespace lg::app {

enum class CommandKind {
  kHelp,
  kVersion,
  kRunScenario,
  kRunUrl,
  kStack,
  kValidate,
  kReport,
  kCompare,
  kMerge,
};

// `loadgen stack up|down|status`: the embedded stack by hand.
struct StackCommand {
  enum class Action { kUp, kDown, kStatus } action = Action::kStatus;
  std::uint32_t replicas = 2;       // up: replicas started (and the autoscaler's minimum)
  std::uint32_t max_replicas = 10;  // up: HAProxy slots
  std::uint32_t fpm_children = 4;   // up: PHP-FPM workers per replica
  std::uint16_t base_port = 0;      // up: first port of the block (0 = first free block)
  std::string run_dir;              // down/status: which run (default: the only one running)
};

// `loadgen validate RESULT.json [--scenario SCENARIO.json]`: re-judge a stored result.
struct ValidateCommand {
  std::string result_path;
  std::string scenario_path;  // "" = the SLOs stored in the result
};

// `loadgen report RESULT.json [--html FILE]`: re-render report.html from a stored result.
struct ReportCommand {
  std::string result_path;
  std::string html_path;  // "" = report.html next to the result
};

// `loadgen compare BASE.json CANDIDATE.json [--tolerance 10%] [--floor 5ms] [--html FILE]`
// or `loadgen compare --history DIR [--tolerance ..] [--floor ..] [--html FILE]`.
struct CompareCommand {
  std::string base_path;
  std::string candidate_path;
  std::string history_dir;  // set: the history form (base/candidate empty)
  double tolerance = 0.10;  // relative: a change within it is noise (fraction, 0..10)
  double floor_ms = 5.0;    // absolute: latency changes below it are noise (ms, >= 0)
  std::string html_path;    // "" = no HTML page
};

// `loadgen merge OUT.json SHARD.json...`: exact merge of shard results.
struct MergeCommand {
  std::string out_path;
  std::vector<std::string> shard_paths;
};

struct Command {
  CommandKind kind = CommandKind::kHelp;
  std::string scenario_path;          // kRunScenario
  RunPlan plan;                       // kRunUrl: complete; kRunScenario: overrides below apply
  std::optional<std::string> target;  // --target URL (scenario runs)
  std::optional<std::uint32_t> threads;
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> max_lag_ns;    // --max-lag (URL runs also get it in `plan`)
  std::optional<std::uint32_t> shard_index;  // --shard I/N: 0-based index (I is 1-based)
  std::optional<std::uint32_t> shard_count;
  std::optional<std::string> start_at;  // --start-at TIME: a common start for shards (as given)
  std::string out_dir;                  // --out DIR ("" = a new folder under ./results)
  bool overwrite = false;               // --overwrite: replace a result.json already in --out
  // --slo EXPR (repeatable; "run: "/"steps: " prefixes allowed), parsed here, so a bad
  // expression never reaches a run. URL runs: the run's SLOs; scenario runs: added to the
  // scenario's own.
  std::vector<validators::Slo> slos;
  bool quiet = false;
  StackCommand stack;        // kStack
  ValidateCommand validate;  // kValidate
  ReportCommand report;      // kReport
  CompareCommand compare;    // kCompare
  MergeCommand merge;        // kMerge
};

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args);

std::string usage();

}  // namespace lg::app
