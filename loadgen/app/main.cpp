// loadgen's entry point: parse the command line, dispatch, return the exit code. Wiring only.
#include <iostream>
#include <string>
#include <variant>
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

namespace {

// One callable from several lambdas, for std::visit.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

}  // namespace

int main(int argc, char** argv) {
  // As Go's runtime does: use the hard file-descriptor limit, so connection caps fit.
  lg::engine::raise_fd_limit();
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = lg::app::parse_args(args);
  if (!cmd) {
    std::cerr << "loadgen: " << cmd.error() << "\n(see loadgen --help)\n";
    return lg::kExitInvalidInput;
  }
  namespace app = lg::app;
  return std::visit(Overloaded{
                        [](const app::HelpCommand&) -> int {
                          std::cout << app::usage();
                          return lg::kExitPass;
                        },
                        [](const app::VersionCommand&) -> int {
                          std::cout << "loadgen " << lg::kVersion << '\n';
                          return lg::kExitPass;
                        },
                        [](const app::RunScenarioCommand& c) { return app::run_command(c); },
                        [](const app::RunUrlCommand& c) { return app::run_command(c); },
                        [](const app::StackCommand& c) { return app::stack_command(c); },
                        [](const app::ValidateCommand& c) { return app::validate_command(c); },
                        [](const app::ReportCommand& c) { return app::report_command(c); },
                        [](const app::CompareCommand& c) { return app::compare_command(c); },
                        [](const app::MergeCommand& c) { return app::merge_command(c); },
                    },
                    *cmd);
}
