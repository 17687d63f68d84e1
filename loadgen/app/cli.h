// Command-line parsing: argv -> a typed command, or an error naming the flag and what is
// accepted. No I/O here beyond what the caller prints.
#pragma once
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/core/run_plan.h"

namespace lg::app {

enum class CommandKind { kHelp, kVersion, kRunScenario, kRunUrl, kStack };

// `loadgen stack up|down|status`: the embedded stack by hand.
struct StackCommand {
  enum class Action { kUp, kDown, kStatus } action = Action::kStatus;
  std::uint32_t replicas = 2;       // up: replicas started (and the autoscaler's minimum)
  std::uint32_t max_replicas = 10;  // up: HAProxy slots
  std::uint32_t fpm_children = 4;   // up: PHP-FPM workers per replica
  std::uint16_t base_port = 0;      // up: first port of the block (0 = first free block)
  std::string run_dir;              // down/status: which run (default: the only one running)
};

struct Command {
  CommandKind kind = CommandKind::kHelp;
  std::string scenario_path;          // kRunScenario
  RunPlan plan;                       // kRunUrl: complete; kRunScenario: overrides below apply
  std::optional<std::string> target;  // --target URL (scenario runs)
  std::optional<std::uint32_t> threads;
  std::optional<std::uint64_t> seed;
  std::string out_dir;  // --out DIR ("" = default under ./results)
  bool quiet = false;
  StackCommand stack;  // kStack
};

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args);

std::string usage();

}  // namespace lg::app
