#include "loadgen/app/compare_command.h"

#include <iostream>

#include "loadgen/core/exit_codes.h"

namespace lg::app {

int compare_command(const CompareCommand&) {
  std::cerr << "loadgen: compare is not available in this version yet\n";
  return kExitInvalidInput;
}

}  // namespace lg::app
