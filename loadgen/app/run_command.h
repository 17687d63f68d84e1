// Runs a RunPlan end to end: engine, verdict on the generator itself, result.json, exit code.
#pragma once
#include "loadgen/app/cli.h"

namespace lg::app {

int run_command(const RunScenarioCommand& cmd);  // the scenario file, shaped by the flags
int run_command(const RunUrlCommand& cmd);       // the URL's own plan

}  // namespace lg::app
