// loadgen's entry point: parse the command line, dispatch, return the exit code. Wiring only.
#include <iostream>
#include <string>
#include <vector>

#include "loadgen/app/cli.h"
#include "loadgen/app/compare_command.h"
#include "loadgen/app/merge_command.h"
#include "loadgen/app/report_command.h"
#include "loadgen/app/run_command.h"
#include "loadgen/app/stack_command.h"
#include "loadgen/app/validate_command.h"
#include "loadgen/core/exit_codes.h"
#include "loadgen/engine/coordinator.h"
#include "loadgen/version.h"

int main(int argc, char** argv) {
  // As Go's runtime does: use the hard file-descriptor limit, so connection caps fit.
  lg::engine::raise_fd_limit();
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = lg::app::parse_args(args);
  if (!cmd) {
    std::cerr << "loadgen: " << cmd.error() << "\n(see loadgen --help)\n";
    return lg::kExitInvalidInput;
  }
  switch (cmd->kind) {
    case lg::app::CommandKind::kHelp:
      std::cout << lg::app::usage();
      return lg::kExitPass;
    case lg::app::CommandKind::kVersion:
      std::cout << "loadgen " << lg::kVersion << '\n';
      return lg::kExitPass;
    case lg::app::CommandKind::kRunScenario:
    case lg::app::CommandKind::kRunUrl:
      return lg::app::run_command(*cmd);
    case lg::app::CommandKind::kStack:
      return lg::app::stack_command(cmd->stack);
    case lg::app::CommandKind::kValidate:
      return lg::app::validate_command(cmd->validate);
    case lg::app::CommandKind::kReport:
      return lg::app::report_command(cmd->report);
    case lg::app::CommandKind::kCompare:
      return lg::app::compare_command(cmd->compare);
    case lg::app::CommandKind::kMerge:
      return lg::app::merge_command(cmd->merge);
  }
  return lg::kExitInvalidInput;
}
