// `loadgen stack up|down|status`: the embedded stack, by hand.
#pragma once
#include "loadgen/app/cli.h"

namespace lg::app {

int stack_command(const StackCommand& cmd);

}  // namespace lg::app
