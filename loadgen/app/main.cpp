// loadgen's entry point: parse the command line, dispatch, return the exit code. Wiring only.
#include <iostream>
#include <string>
#include <vector>

#include "loadgen/app/cli.h"
#include "loadgen/app/run_command.h"
#include "loadgen/app/stack_command.h"
#include "loadgen/core/exit_codes.h"
#include "loadgen/version.h"

int main(int argc, char** argv) {
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
  }
  return lg::kExitInvalidInput;
}
