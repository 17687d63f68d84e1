// Command-line parsing: argv -> a typed command, or an error naming the flag and what is
// accepted. No I/O here beyond what the caller prints.
#pragma once
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "loadgen/core/run_plan.h"
#include "validators/slo.h"

namespace lg::app {

// What both run forms take besides their plan.
struct RunOptions {
  std::string out_dir;     // --out DIR ("" = a new folder under ./results)
  bool overwrite = false;  // --overwrite: replace a result.json already in --out
  // --slo EXPR (repeatable; "run: "/"steps: " prefixes allowed), parsed here, so a bad
  // expression never reaches a run. URL runs: the run's SLOs; scenario runs: added to the
  // scenario's own.
  std::vector<validators::Slo> slos;
  bool quiet = false;
};

// `loadgen [run] SCENARIO.json [...]`: the scenario file, with these overrides applied.
struct RunScenarioCommand {
  std::string scenario_path;
  std::optional<std::string> target;  // --target URL
  std::optional<std::uint32_t> threads;
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> max_lag_ns;    // --max-lag
  std::optional<std::uint32_t> shard_index;  // --shard I/N: 0-based index (I is 1-based)
  std::optional<std::uint32_t> shard_count;
  std::optional<std::string> start_at;  // --start-at TIME: a common start for shards (as given)
  RunOptions run;
};

// `loadgen URL (--rate R/s | --connections N) [...]`: one URL, its plan complete.
struct RunUrlCommand {
  RunPlan plan;
  RunOptions run;
};

struct HelpCommand {};     // `loadgen --help`
struct VersionCommand {};  // `loadgen --version`

// `loadgen stack up|down|status`: the embedded stack by hand.
struct StackCommand {
  enum class Action { kUp, kDown, kStatus } action = Action::kStatus;
  std::uint32_t replicas = 2;       // up: replicas started (and the autoscaler's minimum)
  std::uint32_t max_replicas = 10;  // up: HAProxy slots
  std::uint32_t fpm_children = 4;   // up: PHP-FPM workers per replica
  std::uint16_t base_port = 0;      // up: first port of the block (0 = first free block)
  bool redirect_https = false;      // up: plain HTTP answers 308 to the HTTPS frontend
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

// What the command line asks for: main() dispatches on it with std::visit.
using Command =
    std::variant<RunScenarioCommand, RunUrlCommand, StackCommand, ValidateCommand, ReportCommand,
                 CompareCommand, MergeCommand, HelpCommand, VersionCommand>;

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args);

std::string usage();

}  // namespace lg::app
