#include "loadgen/app/merge_command.h"

#include <iostream>

#include "loadgen/core/exit_codes.h"

namespace lg::app {

int merge_command(const MergeCommand&) {
  std::cerr << "loadgen: merge is not available in this version yet\n";
  return kExitInvalidInput;
}

}  // namespace lg::app
