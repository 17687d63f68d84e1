// The autoscaler's policy: which replica count to ask for, given a window of observations.
//
// Pure: no I/O, no clock read (time is an input: seconds since the autoscaler started), no
// hidden state. The same arguments always give the same Decision, so it is tested with tables
// (tests/stack/autoscaler_policy_test.cpp, autoscaler_knobs_test.cpp), never with sleeps.
//
// Who does what:
//  - The controller (the autoscaler process) samples HAProxy and /proc every check interval,
//    keeps the samples, calls Policy::decide(), applies the Decision through the stack's replica
//    management (add with readiness, remove with drain) and carries State between calls.
//  - Every applied Decision with an action other than kNone is a scale event: the controller
//    sets State::last_scale_s to its time (which starts the cooldown).
//  - Recovery is NOT a policy decision: a replica that fails its health checks is replaced by the
//    controller with a fresh one. The count does not change, it is not a scale event, and it
//    neither starts nor extends a cooldown (State::last_scale_s is left alone).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stack/model/autoscaler_knobs.h"

namespace lg::stack::autoscaler {

// One observation per check interval.
struct Sample {
  double t_s = 0;              // seconds since the autoscaler started
  double cpu_percent = 0;      // mean over replicas of the replica's processes' CPU, % of one
                               // core (>= 0; may exceed 100 when a replica uses several cores)
  double rps_per_replica = 0;  // requests/s over the interval, divided by the replicas serving
  double response_ms = 0;      // HAProxy's average response time, ms
  double error_rate = 0;       // share of 5xx responses over the interval, in [0, 1]
  std::uint32_t replicas = 0;  // replicas in HAProxy when sampled (recorded; the decision uses
                               // State::current, the count the controller has applied)
  std::uint32_t healthy = 0;   // of which passing health checks (recorded, not a trigger)
  double queue = 0;            // requests queued in HAProxy (recorded, not a trigger: the seeds
                               // give it no threshold)
};

// The knobs and their names are lg::AutoscalerKnobs' (stack/model/autoscaler_knobs.h).
using lg::Algorithm;
using lg::parse_algorithm;
using lg::parse_target_metric;
using lg::TargetMetric;
using lg::to_string;

// The policy's knobs: the autoscaler's knobs and the replica bounds it keeps to.
struct Knobs : AutoscalerKnobs {
  std::uint32_t min_replicas = 2;   // >= 1
  std::uint32_t max_replicas = 10;  // >= min_replicas

  // AutoscalerKnobs::validate() and the bounds' problems ("min_replicas", "max_replicas").
  std::vector<KnobProblem> validate() const;
};

// Every bad knob, one line each: "<name> = <value>: must be <accepted range>". Empty = valid.
std::vector<std::string> validate(const Knobs& k);

// What the controller carries from one decision to the next.
struct State {
  std::uint32_t current = 0;           // replicas now (as applied by the controller)
  std::optional<double> last_scale_s;  // time of the last scale event; unset = none yet
  std::optional<double> down_since_s;  // since when the down condition has held; unset = it
                                       // does not hold. Feed back Decision::down_since_s. A
                                       // scale-down does not reset it: while load stays low,
                                       // further steps are spaced by the cooldown alone.
};

// Window means of the inputs (or, for the predictive algorithm, their projection).
struct Inputs {
  double cpu_percent = 0;
  double rps_per_replica = 0;
  double response_ms = 0;
  double error_rate = 0;
  double queue = 0;
};

// Every input, once: where a sample holds it, where its window mean goes, and its name and
// form in the event log ("inputs"), in /metrics (the `input` label) and in the decision log
// line. Window means, projections, the event log, /metrics and the log line all iterate this
// table, so a new input is a Sample field, an Inputs field and a row here (plus, if it is a
// trigger, a threshold row in policy.cpp and its knobs).
struct InputField {
  const char* key;  // "cpu_percent": event log and /metrics
  double Sample::*sample;
  double Inputs::*input;
  const char* label;  // decision log line: "cpu 83.0%"
  double scale;       // shown in the log line as value x scale ...
  int decimals;       // ... with this many decimals ...
  const char* unit;   // ... and this unit
};
inline constexpr std::array<InputField, 5> kInputFields{{
    {"cpu_percent", &Sample::cpu_percent, &Inputs::cpu_percent, "cpu", 1, 1, "%"},
    {"rps_per_replica", &Sample::rps_per_replica, &Inputs::rps_per_replica, "rps/replica", 1, 1,
     ""},
    {"response_ms", &Sample::response_ms, &Inputs::response_ms, "response", 1, 0, " ms"},
    {"error_rate", &Sample::error_rate, &Inputs::error_rate, "errors", 100, 2, "%"},
    {"queue", &Sample::queue, &Inputs::queue, "queue", 1, 1, ""},
}};

enum class Action : std::uint8_t { kNone, kUp, kDown };
std::string_view to_string(Action a);  // "none", "up", "down"

struct Decision {
  std::uint32_t desired = 0;  // always in [min, max]; == State::current when action is kNone
  Action action = Action::kNone;
  // For people: which input crossed which threshold ("cpu 83.1% > 70%"), or what held it back
  // ("...; cooldown: 45 s of 120 s left", "...; at max 10").
  std::string reason;
  std::size_t samples = 0;          // samples averaged (those in (now - window_s, now])
  Inputs observed;                  // their means
  std::optional<Inputs> projected;  // predictive only: the line fits evaluated at now + horizon
  // The down condition's start after this decision (now if it starts holding now, the previous
  // value if it still holds, unset if it does not): pass it as State::down_since_s next time.
  std::optional<double> down_since_s;
};

class Policy {
 public:
  // Precondition: validate(knobs) is empty. Use create() where knobs come from outside.
  explicit Policy(Knobs knobs) : knobs_(std::move(knobs)) {}
  static std::expected<Policy, std::vector<std::string>> create(Knobs knobs);

  const Knobs& knobs() const { return knobs_; }

  // The decision at time now_s. `window` may hold older or later samples: only those with
  // t_s in (now_s - window_s, now_s] are used, in any order. Order of rules:
  //  1. current outside [min, max] (e.g. after a crash): back to the nearest bound at once,
  //     ignoring cooldown and samples;
  //  2. no samples in the window: no change;
  //  3. the algorithm proposes up, down or nothing; up wins over down;
  //  4. up at max / down at min: no change; otherwise clamped to [min, max];
  //  5. down needs the down condition held for scale_down_stabilization_s;
  //  6. no scale event before cooldown_s have passed since the last one (allowed at exactly).
  Decision decide(const std::deque<Sample>& window, double now_s, const State& state) const;

 private:
  Knobs knobs_;
};

}  // namespace lg::stack::autoscaler
