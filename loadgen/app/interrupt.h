// SIGINT/SIGTERM outside the engine's own handling (stack bring-up and teardown): a flag that
// the run checks, so an interrupt at any moment still ends in a clean teardown and exit 130.
#pragma once
#include <atomic>

namespace lg::app {

// (Re)installs the flag-setting handler for SIGINT and SIGTERM.
void install_interrupt_flag();
// The flag: set once any SIGINT/SIGTERM arrived since the process started.
const std::atomic<bool>& interrupt_flag();

}  // namespace lg::app
