// Process exit codes: part of loadgen's interface (DESIGN.md section 5), tested from the CLI.
#pragma once

namespace lg {

enum ExitCode : int {
  kExitPass = 0,          // run finished and every check passed
  kExitSloFailed = 1,     // an SLO check failed (for compare: a regression)
  kExitInvalidInput = 2,  // usage error, bad scenario or result file
  kExitEnvironment = 3,   // stack would not start, target unreachable, generator saturated
  kExitInterrupted = 130  // SIGINT/SIGTERM: partial results were still written
};

}  // namespace lg
