// `loadgen compare`: see cli.h CompareCommand. Exit codes as DESIGN.md section 5 says.
#pragma once

#include "loadgen/app/cli.h"

namespace lg::app {

int compare_command(const CompareCommand& cmd);

}  // namespace lg::app
