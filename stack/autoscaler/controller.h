// The autoscaler's control loop: every check interval, observe -> sliding window -> policy
// decision -> act through the replica set; plus auto-recovery of failed replicas. Decisions are
// the policy's (policy.h); this only wires, counts and records.
//
// One check (Controller::check):
//  1. observe (SampleSource): a Sample for the interval, and each replica's health;
//  2. recovery: a replica whose nginx or PHP-FPM process is gone, or whose HAProxy status is
//     DOWN in `down_checks` consecutive checks, is replaced (ReplicaActions::replace). A
//     recovery event: the count does not change, and it neither starts nor extends a cooldown;
//  3. the Sample joins the window (samples older than window_s are dropped), the policy decides
//     with State{current = active replicas, last scale event, down condition since};
//  4. up: add() (desired - current) times; down: remove() (current - desired) times, each
//     through the stack's replica management (readiness before ready, drain before stop). A
//     change of the count is a scale event: it starts the cooldown, is counted, logged and
//     appended to the event log. A failed add/remove stops that batch; the error is logged and
//     the next check decides again.
//
// Event log (ControllerOptions::event_log), one JSON object per line, appended and flushed:
//   {"time": "2024-05-01T12:00:03.250Z", "unix_ms": 1714564803250, "t_s": 12.004,
//    "type": "scale_up"|"scale_down"|"recovery", "from": 2, "to": 3, "slot": 3 (recovery
//    only), "reason": "cpu 83% > 70%",
//    "inputs": {"cpu_percent": ..., one per kInputFields row (policy.h), "replicas", "healthy"}}
// "inputs" of a scale event are what the policy compared: the window means, with
// replicas and healthy from the latest sample; of a recovery, the latest sample (zeros if none).
//
// Thread-safety: check() and run() on one thread; status() from any (the /metrics endpoint).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stack/autoscaler/metrics.h"
#include "stack/autoscaler/policy.h"

namespace lg::stack {
class ReplicaSet;
}

namespace lg::stack::autoscaler {

// How the controller changes the replicas (ReplicaSetActions in production, fakes in tests).
class ReplicaActions {
 public:
  virtual ~ReplicaActions() = default;
  virtual std::vector<std::uint32_t> active() = 0;              // slots, ascending
  virtual std::expected<std::uint32_t, std::string> add() = 0;  // returns the slot
  virtual std::expected<void, std::string> remove() = 0;        // drains first
  virtual std::expected<void, std::string> replace(std::uint32_t slot) = 0;
};

// ReplicaActions on a ReplicaSet (kept by reference).
class ReplicaSetActions final : public ReplicaActions {
 public:
  explicit ReplicaSetActions(ReplicaSet& set,
                             std::chrono::milliseconds drain_deadline = std::chrono::seconds{10})
      : set_(set), drain_deadline_(drain_deadline) {}
  std::vector<std::uint32_t> active() override;
  std::expected<std::uint32_t, std::string> add() override;
  std::expected<void, std::string> remove() override;
  std::expected<void, std::string> replace(std::uint32_t slot) override;

 private:
  ReplicaSet& set_;
  std::chrono::milliseconds drain_deadline_;
};

enum class EventType : std::uint8_t { kScaleUp, kScaleDown, kRecovery };
std::string_view to_string(EventType t);  // "scale_up", "scale_down", "recovery"

// The inputs a decision used (window means) and the replica counts of the last sample.
struct EventInputs : Inputs {
  std::uint32_t replicas = 0;
  std::uint32_t healthy = 0;
};

struct Event {
  std::string time;          // ISO-8601 UTC wall clock, milliseconds: "2024-05-01T12:00:03.250Z"
  std::int64_t unix_ms = 0;  // the same instant, milliseconds since 1970 (UTC)
  double t_s = 0;            // seconds since the autoscaler started (monotonic)
  EventType type = EventType::kScaleUp;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::optional<std::uint32_t> slot;  // recovery only
  std::string reason;
  EventInputs inputs;
};

// One line of the event log (no newline).
std::string to_json_line(const Event& e);

// The wall clock as ISO-8601 UTC with milliseconds.
std::string iso8601_utc(std::chrono::system_clock::time_point t);

// What the endpoint shows.
struct ControllerStatus {
  std::uint32_t current = 0;  // active replicas after the last check (or at start)
  std::uint32_t desired = 0;  // the last decision's desired count
  EventInputs inputs;         // the last decision's inputs (see the event log's "inputs")
  std::optional<double> last_decision_s;  // t_s of the last decision; unset before the first
  Action last_action = Action::kNone;
  std::string last_reason = "no decision yet";
  std::uint64_t scale_ups = 0;    // scale events up
  std::uint64_t scale_downs = 0;  // scale events down
  std::uint64_t recoveries = 0;
  std::uint64_t checks = 0;
  std::uint64_t observe_errors = 0;  // checks whose observation failed (HAProxy did not answer)
  std::uint64_t action_errors = 0;   // failed add/remove/replace calls
};

struct ControllerOptions {
  std::filesystem::path event_log;  // JSON lines appended here; empty = none
  std::uint32_t down_checks = 2;    // consecutive DOWN checks before a replica is replaced
  // The wall clock for events' "time"; empty = system_clock.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
  // One line per decision, error and event (no newline); empty = stdout, flushed.
  std::function<void(const std::string&)> log;
  // Asked between the add()/remove() calls of one scale event: true = stop acting (shutdown).
  std::function<bool()> stop_requested;
};

class Controller {
 public:
  // Precondition: policy's knobs are valid (Policy::create). Sources are kept by reference.
  Controller(Policy policy, SampleSource& source, ReplicaActions& actions,
             ControllerOptions options = {});

  // One check at now_s (seconds since the autoscaler started, non-decreasing).
  void check(double now_s);

  // Checks at first_s, first_s + interval, ... until wait_until returns false. `now` gives
  // seconds since start; `wait_until(deadline_s)` blocks until then (or a stop request) and
  // returns false to stop. A check that overruns skips the deadlines it missed.
  void run(const std::function<double()>& now, const std::function<bool(double)>& wait_until,
           double first_s);

  ControllerStatus status() const;
  const Policy& policy() const { return policy_; }
  const std::deque<Sample>& window() const { return window_; }
  const State& state() const { return state_; }

 private:
  void recover(const Observation& obs, double now_s);
  void decide_and_act(double now_s);
  void record(const Event& e);
  void log(const std::string& line);
  EventInputs latest_inputs() const;
  std::uint32_t count();

  Policy policy_;
  SampleSource& source_;
  ReplicaActions& actions_;
  ControllerOptions options_;
  std::deque<Sample> window_;
  State state_;
  std::map<std::uint32_t, std::uint32_t> down_streak_;  // slot -> consecutive DOWN checks
  mutable std::mutex mu_;
  ControllerStatus status_;  // under mu_
};

}  // namespace lg::stack::autoscaler
