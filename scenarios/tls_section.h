// The scenario's "tls" and "keepalive" keys (internal to the scenarios library): how an
// https:// target is spoken to, read into RunPlan::tls and RunPlan::keepalive. Files are only
// named here; the engine reads them before any load (an unreadable one is exit 2 there).
#pragma once
#include <filesystem>

#include "loadgen/core/run_plan.h"
#include "scenarios/reader.h"

namespace lg::scenarios::detail {

// Reads `v` (the value of "/tls") into plan.tls. Relative file names are taken from
// `base_dir` (the scenario file's folder), so that a scenario and its certificates move
// together. `https`: the run speaks TLS (an https:// target, or the embedded stack with
// /stack/tls); TLS options otherwise are an error.
void read_tls(Reader& r, const json& v, const std::filesystem::path& base_dir, bool https,
              RunPlan& plan);

}  // namespace lg::scenarios::detail
