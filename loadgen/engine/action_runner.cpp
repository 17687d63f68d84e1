#include "loadgen/engine/action_runner.h"

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace lg::engine {

ActionRunner::ActionRunner(std::vector<TimedAction> actions, ActionExecutor execute,
                           std::uint64_t start_abs_ns)
    : actions_(std::move(actions)), execute_(std::move(execute)), start_abs_ns_(start_abs_ns) {
  std::stable_sort(actions_.begin(), actions_.end(),
                   [](const TimedAction& a, const TimedAction& b) { return a.at_ns < b.at_ns; });
  for (const auto& a : actions_)
    events_.push_back({a.kind, a.target, a.at_ns, -1, "", false, a.fault});
  if (!actions_.empty()) thread_ = std::thread([this] { loop(); });
}

ActionRunner::~ActionRunner() {
  if (thread_.joinable()) finish();
}

std::int64_t ActionRunner::now_ns() const {
  return static_cast<std::int64_t>(uv_hrtime()) - static_cast<std::int64_t>(start_abs_ns_);
}

void ActionRunner::stop(std::int64_t end_ns, std::string why) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    end_ns_ = end_ns;
    why_ = std::move(why);
  }
  wake_.notify_all();
}

std::vector<ActionEvent> ActionRunner::finish() {
  stop(0, "run ended first");
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  for (auto& e : events_) {
    if (e.fired_ns < 0) e.outcome = why_;
  }
  return events_;
}

ActionOutcome ActionRunner::execute(const TimedAction& a) const {
  if (!execute_) return {false, "no action executor was given (kind '" + a.kind + "')"};
  try {
    return execute_(a);
  } catch (const std::exception& e) {
    return {false, std::string("failed: ") + e.what()};
  } catch (...) {
    return {false, "failed: unknown exception"};
  }
}

void ActionRunner::loop() {
  std::unique_lock lock(mutex_);
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    const auto at = actions_[i].at_ns;
    // wait_for may wake early (or spuriously): the run's own clock decides.
    for (auto now = now_ns(); !stopped_ && now < at; now = now_ns()) {
      wake_.wait_for(lock, std::chrono::nanoseconds(at - now));
    }
    if (stopped_ && at >= end_ns_) return;  // this one and the rest: not fired
    lock.unlock();
    const auto fired = now_ns();
    auto outcome = execute(actions_[i]);
    lock.lock();
    auto& e = events_[i];
    e.fired_ns = fired;
    e.ok = outcome.ok;
    e.outcome = std::move(outcome.text);
  }
}

}  // namespace lg::engine
