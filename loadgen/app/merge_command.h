// `loadgen merge`: see cli.h MergeCommand. Exit codes as DESIGN.md section 5 says.
#pragma once

#include "loadgen/app/cli.h"

namespace lg::app {

int merge_command(const MergeCommand& cmd);

}  // namespace lg::app
