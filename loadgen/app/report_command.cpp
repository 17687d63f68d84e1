#include "loadgen/app/report_command.h"

#include <iostream>

#include "loadgen/core/exit_codes.h"

namespace lg::app {

int report_command(const ReportCommand&) {
  std::cerr << "loadgen: report is not available in this version yet\n";
  return kExitInvalidInput;
}

}  // namespace lg::app
