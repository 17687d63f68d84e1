// `loadgen report`: see cli.h ReportCommand. Exit codes as DESIGN.md section 5 says.
#pragma once

#include "loadgen/app/cli.h"

namespace lg::app {

int report_command(const ReportCommand& cmd);

}  // namespace lg::app
