#include "loadgen/app/stack_command.h"

#include <iostream>

#include "loadgen/core/exit_codes.h"

namespace lg::app {

int stack_command(const StackCommand&) {
  std::cerr << "loadgen: 'stack' is not available in this version yet\n";
  return kExitInvalidInput;
}

}  // namespace lg::app
