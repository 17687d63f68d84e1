// Scenario rules that relate several keys (internal to the scenarios library). Each rule judges
// only values that were read cleanly (one problem, one error), and its error names every key
// involved: the first as the error's pointer, the others in `related` and in the message.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "scenarios/reader.h"
#include "scenarios/scenario.h"

namespace lg::scenarios::detail {

// A file step's rate (before ramps are inserted), for the rules about the peak rate.
struct StepRate {
  std::size_t index = 0;    // in the file's "steps"
  double rate = 0;          // requests/s
  bool from_users = false;  // users x rate_per_user (else the step's "rate")
};

// Rules over the whole document, run after every key was read:
//  - "target" and "stack" exclude each other;
//  - stack.replicas.min <= stack.replicas.max (defaults count);
//  - autoscaler: factor only with "exponential", target only with "target_tracking", no
//    scale_up/scale_down with "target_tracking", each scale_down threshold below its scale_up
//    one, window >= check_interval (2 x for "predictive");
//  - an explicit "connections" cap carries the peak rate at the timeout (Little's law);
//  - slo.min_rps is not above the peak rate (the run's average cannot exceed it).
void check_cross_fields(Reader& r, const json& doc, const Scenario& sc,
                        const std::vector<StepRate>& rates);

// Rules for one SLO expression at `ptr` (read after "target", "stack" and "steps"): a check of
// the embedded stack needs it (no "target"); "within T of step S" needs a step S.
void check_slo_fits(Reader& r, const std::string& ptr, const validators::Slo& slo,
                    const Scenario& sc);

}  // namespace lg::scenarios::detail
