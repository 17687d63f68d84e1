// Where one of loadgen's own helper executables is (loadgen-reaper, loadgen-autoscaler,
// loadgen-faultproxy): the one place that answers it for all of them.
#pragma once
#include <filesystem>

namespace lg::stack {

// $`env_var` if set and not empty; else `built` (the path CMake compiled in; nullptr when
// none) if it exists; else `name` beside the running executable (an installed loadgen); else
// `name` itself, for $PATH.
std::filesystem::path companion_binary(const char* env_var, const char* built, const char* name);

}  // namespace lg::stack
