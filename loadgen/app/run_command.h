// Runs a RunPlan end to end: engine, verdict on the generator itself, result.json, exit code.
#pragma once
#include "loadgen/app/cli.h"

namespace lg::app {

int run_command(const Command& cmd);

}  // namespace lg::app
