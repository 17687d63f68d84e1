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

enum class CommandKind { kHelp, kVersion, kRunScenario, kRunUrl };

struct Command {
  CommandKind kind = CommandKind::kHelp;
  std::string scenario_path;          // kRunScenario
  RunPlan plan;                       // kRunUrl: complete; kRunScenario: overrides below apply
  std::optional<std::string> target;  // --target URL (scenario runs)
  std::optional<std::uint32_t> threads;
  std::optional<std::uint64_t> seed;
  std::string out_dir;  // --out DIR ("" = default under ./results)
  bool quiet = false;
};

std::expected<Command, std::string> parse_args(const std::vector<std::string>& args);

std::string usage();

}  // namespace lg::app
