#include "stack/autoscaler/controller.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "stack/replica_set.h"

namespace lg::stack::autoscaler {
namespace {

std::string fixed(double v, int decimals) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*f", decimals, v);
  return buf.data();
}

void stamp(Event& e, std::chrono::system_clock::time_point t) {
  e.time = iso8601_utc(t);
  e.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// " cpu 83.0% rps/replica 12.0 response 40 ms errors 0.00% queue 0.0": the decision log's
// view of the inputs.
std::string shown(const Inputs& in) {
  std::string out;
  for (const auto& f : kInputFields) {
    out += std::string(" ") + f.label + " " + fixed(in.*f.input * f.scale, f.decimals) + f.unit;
  }
  return out;
}

std::string slot_name(std::uint32_t slot) {
  return "web" + std::to_string(slot);
}

// One sample's inputs as they are (no window mean).
EventInputs sample_inputs(const Sample& s) {
  EventInputs in;
  for (const auto& f : kInputFields) in.*f.input = s.*f.sample;
  in.replicas = s.replicas;
  in.healthy = s.healthy;
  return in;
}

}  // namespace

std::vector<std::uint32_t> ReplicaSetActions::active() {
  return set_.active();
}
std::expected<std::uint32_t, std::string> ReplicaSetActions::add() {
  return set_.add();
}
std::expected<void, std::string> ReplicaSetActions::remove() {
  return set_.remove(drain_deadline_);
}
std::expected<void, std::string> ReplicaSetActions::replace(std::uint32_t slot) {
  return set_.replace(slot);
}

std::string_view to_string(EventType t) {
  switch (t) {
    case EventType::kScaleUp:
      return "scale_up";
    case EventType::kScaleDown:
      return "scale_down";
    case EventType::kRecovery:
      return "recovery";
  }
  return "?";
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = ms % 1000;
  if (frac < 0) {  // before 1970: floor, not truncation
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  std::array<char, 32> date{};
  std::strftime(date.data(), date.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 48> out{};
  std::snprintf(out.data(), out.size(), "%s.%03dZ", date.data(), static_cast<int>(frac));
  return out.data();
}

std::string to_json_line(const Event& e) {
  nlohmann::ordered_json j;
  j["time"] = e.time;
  j["unix_ms"] = e.unix_ms;
  // Unrounded: the cooldown check compares these exactly as the policy compared them.
  j["t_s"] = e.t_s;
  j["type"] = std::string(to_string(e.type));
  j["from"] = e.from;
  j["to"] = e.to;
  if (e.slot) j["slot"] = *e.slot;
  j["reason"] = e.reason;
  // JSON has no NaN or infinity: such an input is written as null.
  const auto number = [](double v) -> nlohmann::ordered_json {
    if (!std::isfinite(v)) return nullptr;
    return v;
  };
  auto& inputs = j["inputs"];
  for (const auto& f : kInputFields) inputs[f.key] = number(e.inputs.*f.input);
  inputs["replicas"] = e.inputs.replicas;
  inputs["healthy"] = e.inputs.healthy;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Controller::Controller(Policy policy, SampleSource& source, ReplicaActions& actions,
                       ControllerOptions options)
    : policy_(std::move(policy)), source_(source), actions_(actions), options_(std::move(options)) {
  if (!options_.wall_clock) options_.wall_clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.log) {
    options_.log = [](const std::string& line) {
      std::fputs((line + "\n").c_str(), stdout);
      std::fflush(stdout);
    };
  }
  if (!options_.stop_requested) options_.stop_requested = [] { return false; };
  if (options_.down_checks == 0) options_.down_checks = 1;
  state_.current = count();
  std::lock_guard lock(mu_);
  status_.current = state_.current;
  status_.desired = state_.current;
}

std::uint32_t Controller::count() {
  return static_cast<std::uint32_t>(actions_.active().size());
}

ControllerStatus Controller::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Controller::log(const std::string& line) {
  options_.log(line);
}

EventInputs Controller::latest_inputs() const {
  return window_.empty() ? EventInputs{} : sample_inputs(window_.back());
}

void Controller::record(const Event& e) {
  log("[t=" + fixed(e.t_s, 2) + "s] event " + std::string(to_string(e.type)) + " " +
      std::to_string(e.from) + " -> " + std::to_string(e.to) +
      (e.slot ? " (slot " + std::to_string(*e.slot) + ")" : std::string()) + ": " + e.reason);
  if (options_.event_log.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.event_log.parent_path(), ec);
  std::ofstream out(options_.event_log, std::ios::app | std::ios::binary);
  out << to_json_line(e) << '\n';
  out.flush();
  if (!out) log("autoscaler: cannot append to " + options_.event_log.string());
}

void Controller::check(double now_s) {
  {
    std::lock_guard lock(mu_);
    ++status_.checks;
  }
  auto obs = source_.observe_at(now_s);
  if (!obs) {
    {
      std::lock_guard lock(mu_);
      ++status_.observe_errors;
      status_.current = count();
    }
    log("[t=" + fixed(now_s, 2) + "s] observe failed: " + obs.error());
    return;
  }
  recover(*obs, now_s);
  if (obs->sample) window_.push_back(*obs->sample);
  const double window_s = policy_.knobs().window_s;
  while (!window_.empty() && window_.front().t_s <= now_s - window_s) window_.pop_front();
  decide_and_act(now_s);
}

void Controller::recover(const Observation& obs, double now_s) {
  std::map<std::uint32_t, std::uint32_t> streaks;  // slots no longer observed are forgotten
  for (const auto& h : obs.replicas) {
    std::string reason;
    if (!h.processes_alive) {
      reason = slot_name(h.slot) + ": " + (h.gone.empty() ? std::string("a process") : h.gone) +
               " exited";
    } else if (h.status.starts_with("DOWN")) {
      const auto streak = down_streak_[h.slot] + 1;
      if (streak >= options_.down_checks) {
        reason = slot_name(h.slot) + " is " + h.status +
                 (h.check_status.empty() ? "" : " (" + h.check_status + ")") + " in " +
                 std::to_string(streak) + " consecutive checks";
      } else {
        streaks[h.slot] = streak;
      }
    }
    if (reason.empty() || options_.stop_requested()) continue;
    const auto replaced = actions_.replace(h.slot);
    if (!replaced) {
      {
        std::lock_guard lock(mu_);
        ++status_.action_errors;
      }
      log("[t=" + fixed(now_s, 2) + "s] recovery of " + slot_name(h.slot) +
          " failed: " + replaced.error());
      continue;
    }
    Event e;
    stamp(e, options_.wall_clock());
    e.t_s = now_s;
    e.type = EventType::kRecovery;
    e.from = e.to = count();
    e.slot = h.slot;
    e.reason = reason + "; replaced";
    e.inputs = obs.sample ? sample_inputs(*obs.sample) : latest_inputs();
    {
      std::lock_guard lock(mu_);
      ++status_.recoveries;
    }
    record(e);
  }
  down_streak_ = std::move(streaks);
}

void Controller::decide_and_act(double now_s) {
  // The event carries the decision's instant, not the end of the action (starting or draining
  // a replica takes a variable time): gaps between events then show the cooldown as applied.
  const auto decided_at = options_.wall_clock();
  const std::uint32_t before = count();
  state_.current = before;
  const Decision d = policy_.decide(window_, now_s, state_);
  state_.down_since_s = d.down_since_s;

  EventInputs inputs = latest_inputs();
  if (d.samples > 0) static_cast<Inputs&>(inputs) = d.observed;  // replicas, healthy: the sample's

  std::string failure;
  if (d.action == Action::kUp) {
    for (std::uint32_t n = before; n < d.desired && !options_.stop_requested(); ++n) {
      if (auto r = actions_.add(); !r) {
        failure = "add failed: " + r.error();
        break;
      }
    }
  } else if (d.action == Action::kDown) {
    for (std::uint32_t n = before; n > d.desired && !options_.stop_requested(); --n) {
      if (auto r = actions_.remove(); !r) {
        failure = "remove failed: " + r.error();
        break;
      }
    }
  }
  const std::uint32_t after = count();
  state_.current = after;

  log("[t=" + fixed(now_s, 2) + "s] decision " + std::string(to_string(d.action)) + " " +
      std::to_string(before) + " -> " + std::to_string(d.desired) + ": " + d.reason + " |" +
      shown(inputs) + " healthy " + std::to_string(inputs.healthy) + "/" +
      std::to_string(inputs.replicas) + " samples " + std::to_string(d.samples));
  if (!failure.empty()) log("[t=" + fixed(now_s, 2) + "s] " + failure);

  {
    std::lock_guard lock(mu_);
    status_.current = after;
    status_.desired = d.desired;
    status_.inputs = inputs;
    status_.last_decision_s = now_s;
    status_.last_action = d.action;
    status_.last_reason = d.reason;
    if (!failure.empty()) {
      ++status_.action_errors;
      status_.last_reason += "; " + failure;
    }
    if (after > before) ++status_.scale_ups;
    if (after < before) ++status_.scale_downs;
  }
  if (after == before) return;
  state_.last_scale_s = now_s;  // a scale event: the cooldown starts
  Event e;
  stamp(e, decided_at);
  e.t_s = now_s;
  e.type = after > before ? EventType::kScaleUp : EventType::kScaleDown;
  e.from = before;
  e.to = after;
  e.reason = failure.empty() ? d.reason : d.reason + "; " + failure;
  e.inputs = inputs;
  record(e);
}

void Controller::run(const std::function<double()>& now,
                     const std::function<bool(double)>& wait_until, double first_s) {
  const double interval = policy_.knobs().check_interval_s;
  double next = first_s;
  while (wait_until(next)) {
    check(now());
    next += interval;
    const double t = now();
    if (next <= t) next += std::ceil((t - next) / interval + 1e-9) * interval;  // missed ones
    if (next <= t) next = t + interval;
  }
}

}  // namespace lg::stack::autoscaler
