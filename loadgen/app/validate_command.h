// `loadgen validate RESULT.json [--scenario SCENARIO.json]`: judges a stored result again,
// with the SLOs it was run with or with those of another scenario file (same steps), and
// prints the verdict table. Exit codes as for a run: 0, 1, 3; 2 for an unreadable input.
#pragma once

#include "loadgen/app/cli.h"

namespace lg::app {

int validate_command(const ValidateCommand& cmd);

}  // namespace lg::app
