// The autoscaler's controller with a fake sample source, fake replica actions and fake time:
// decisions applied through the actions, the cooldown across events, recovery apart from
// scaling, bounds, the event log and the check schedule. No process, no socket, no sleep.
#include "stack/autoscaler/controller.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace {

namespace as = lg::stack::autoscaler;
using lg::test::TempDir;

// Observations from a function of time; every active replica healthy unless `health` says.
class FakeSource final : public as::SampleSource {
 public:
  explicit FakeSource(const std::vector<std::uint32_t>& active) : active_(active) {}
  std::function<as::Sample(double)> sample = [](double) { return as::Sample{}; };
  std::function<as::ReplicaHealth(std::uint32_t slot, double t)> health = [](std::uint32_t slot,
                                                                             double) {
    return as::ReplicaHealth{slot, "UP", "L7OK", true, ""};
  };
  bool fail = false;
  int calls = 0;

  std::expected<as::Observation, std::string> observe_at(double t_s) override {
    ++calls;
    if (fail) return std::unexpected("HAProxy said no");
    as::Observation o;
    as::Sample s = sample(t_s);
    s.t_s = t_s;
    s.replicas = static_cast<std::uint32_t>(active_.size());
    s.healthy = s.replicas;
    o.sample = s;
    for (const auto slot : active_) o.replicas.push_back(health(slot, t_s));
    return o;
  }

 private:
  const std::vector<std::uint32_t>& active_;
};

class FakeActions final : public as::ReplicaActions {
 public:
  explicit FakeActions(std::uint32_t n) {
    for (std::uint32_t i = 1; i <= n; ++i) slots.push_back(i);
  }
  std::vector<std::uint32_t> slots;
  std::vector<std::uint32_t> replaced;
  int adds = 0, removes = 0;
  bool fail_add = false;
  std::function<void()> on_add = [] {};

  std::vector<std::uint32_t> active() override { return slots; }
  std::expected<std::uint32_t, std::string> add() override {
    ++adds;
    on_add();
    if (fail_add) return std::unexpected("nginx-9 was not ready within 10000 ms");
    std::uint32_t slot = 1;
    while (std::ranges::find(slots, slot) != slots.end()) ++slot;
    slots.insert(std::ranges::upper_bound(slots, slot), slot);
    return slot;
  }
  std::expected<void, std::string> remove() override {
    ++removes;
    if (slots.empty()) return std::unexpected("no replica");
    slots.pop_back();
    return {};
  }
  std::expected<void, std::string> replace(std::uint32_t slot) override {
    replaced.push_back(slot);
    return {};
  }
};

as::Knobs knobs(std::uint32_t min = 2, std::uint32_t max = 5) {
  as::Knobs k;
  k.min_replicas = min;
  k.max_replicas = max;
  k.check_interval_s = 1;
  k.window_s = 1;  // the latest sample only: each check sees exactly what the fake says
  k.cooldown_s = 3;
  k.scale_down_stabilization_s = 0;
  return k;
}

// knobs() scaling exponentially by a factor of 2: each step up doubles the replicas, up to max.
as::Knobs doubling(std::uint32_t min, std::uint32_t max) {
  auto k = knobs(min, max);
  k.algorithm = as::Algorithm::kExponential;
  k.exponential_factor = 2;
  return k;
}

// Against the default thresholds: busy trips scale-up on CPU % and requests/s per replica;
// idle is below all three scale-down thresholds (CPU %, requests/s per replica, response ms).
as::Sample busy(double) {
  return {.cpu_percent = 95, .rps_per_replica = 150, .response_ms = 300};
}

as::Sample idle(double) {
  return {.cpu_percent = 5, .rps_per_replica = 2, .response_ms = 10};
}

struct Rig {
  explicit Rig(as::Knobs k, std::uint32_t start = 2) : actions(start), source(actions.slots) {
    as::ControllerOptions o;
    o.event_log = dir.path() / "autoscaler" / "events.jsonl";
    o.log = [this](const std::string& line) { lines.push_back(line); };
    o.wall_clock = [] {
      return std::chrono::system_clock::time_point{} + std::chrono::milliseconds{1714564803250};
    };
    o.stop_requested = [this] { return stop; };
    controller.emplace(as::Policy(k), source, actions, o);
  }
  std::vector<nlohmann::json> events() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir.path() / "autoscaler" / "events.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  TempDir dir;
  FakeActions actions;
  FakeSource source;
  std::vector<std::string> lines;
  bool stop = false;
  std::optional<as::Controller> controller;
};

}  // namespace

TEST_CASE("controller: up and down decisions are applied through the actions", "[autoscaler]") {
  Rig rig(knobs());
  rig.source.sample = busy;
  rig.controller->check(1);
  CHECK(rig.actions.slots == std::vector<std::uint32_t>{1, 2, 3});
  auto st = rig.controller->status();
  CHECK(st.current == 3);
  CHECK(st.desired == 3);
  CHECK(st.last_action == as::Action::kUp);
  CHECK(st.scale_ups == 1);
  CHECK(st.last_decision_s == 1);
  CHECK_THAT(st.last_reason, Catch::Contains("cpu 95% > 70%"));

  rig.source.sample = idle;
  rig.controller->check(2);  // cooldown (3 s) holds it
  CHECK(rig.actions.slots.size() == 3);
  CHECK_THAT(rig.controller->status().last_reason, Catch::Contains("cooldown"));
  rig.controller->check(4);  // released at exactly 3 s
  CHECK(rig.actions.slots == std::vector<std::uint32_t>{1, 2});
  st = rig.controller->status();
  CHECK(st.scale_downs == 1);
  CHECK(st.last_action == as::Action::kDown);
  CHECK(rig.actions.removes == 1);

  const auto ev = rig.events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0]["type"] == "scale_up");
  CHECK(ev[0]["from"] == 2);
  CHECK(ev[0]["to"] == 3);
  CHECK(ev[1]["type"] == "scale_down");
  CHECK(ev[1]["from"] == 3);
  CHECK(ev[1]["to"] == 2);
  // One log line per decision, plus one per event.
  CHECK(std::ranges::count_if(rig.lines, [](const std::string& l) {
          return l.find("] decision ") != std::string::npos;
        }) == 3);
}

TEST_CASE("controller: the event log's lines", "[autoscaler]") {
  Rig rig(knobs());
  rig.source.sample = busy;
  rig.controller->check(1.25);
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  const auto& e = ev[0];
  CHECK(e["time"] == "2024-05-01T12:00:03.250Z");
  CHECK(e["unix_ms"] == 1714564803250);
  CHECK(e["t_s"] == 1.25);
  CHECK(e["type"] == "scale_up");
  CHECK(e["from"] == 2);
  CHECK(e["to"] == 3);
  CHECK_FALSE(e.contains("slot"));
  CHECK_THAT(e["reason"].get<std::string>(), Catch::Contains("cpu 95% > 70%"));
  const auto& in = e["inputs"];
  CHECK(in["cpu_percent"] == 95.0);
  CHECK(in["rps_per_replica"] == 150.0);
  CHECK(in["response_ms"] == 300.0);
  CHECK(in["error_rate"] == 0.0);
  CHECK(in["queue"] == 0.0);
  CHECK(in["replicas"] == 2);
  CHECK(in["healthy"] == 2);
  std::vector<std::string> keys;
  for (const auto& [k, v] : e.items()) keys.push_back(k);
  CHECK(keys.size() == 8);  // time, unix_ms, t_s, type, from, to, reason, inputs

  CHECK(as::iso8601_utc(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  as::Event odd;
  odd.inputs.cpu_percent = std::numeric_limits<double>::quiet_NaN();
  odd.reason = "quote \" and newline \n";
  const auto j = nlohmann::json::parse(as::to_json_line(odd));
  CHECK(j["inputs"]["cpu_percent"].is_null());  // JSON has no NaN
  CHECK(j["reason"] == "quote \" and newline \n");
}

TEST_CASE("controller: the cooldown holds across scale events", "[autoscaler]") {
  Rig rig(knobs(2, 6));
  rig.source.sample = busy;
  for (int t = 1; t <= 12; ++t) rig.controller->check(t);
  const auto ev = rig.events();
  REQUIRE(ev.size() == 4);  // 2->3 at 1, 3->4 at 4, 4->5 at 7, 5->6 at 10, then at max
  for (std::size_t i = 0; i < ev.size(); ++i) {
    CHECK(ev[i]["t_s"] == 1.0 + 3.0 * static_cast<double>(i));
    CHECK(ev[i]["to"] == 3 + i);
    if (i > 0) CHECK(ev[i]["t_s"].get<double>() - ev[i - 1]["t_s"].get<double>() >= 3.0);
  }
  CHECK(rig.actions.slots.size() == 6);
  CHECK_THAT(rig.controller->status().last_reason, Catch::Contains("at max 6"));
}

TEST_CASE("controller: recovery replaces a failed replica and is not a scale event",
          "[autoscaler]") {
  Rig rig(knobs());
  rig.source.sample = busy;
  rig.controller->check(1);  // a scale event: cooldown until 4
  REQUIRE(rig.actions.slots.size() == 3);

  SECTION("a replica whose processes are gone is replaced at once") {
    rig.source.health = [](std::uint32_t slot, double t) {
      const bool gone = slot == 2 && t == 2;
      return as::ReplicaHealth{slot, "UP", "L7OK", !gone, gone ? "nginx" : ""};
    };
    rig.controller->check(2);
    CHECK(rig.actions.replaced == std::vector<std::uint32_t>{2});
    CHECK_THAT(rig.events().back()["reason"].get<std::string>(),
               Catch::StartsWith("web2: nginx exited"));
  }
  SECTION("a replica DOWN in 2 consecutive checks is replaced; one DOWN check is not enough") {
    rig.source.health = [](std::uint32_t slot, double t) {
      const bool down = slot == 3 && (t == 1.5 || t >= 2.5);
      return as::ReplicaHealth{slot, down ? "DOWN" : "UP", down ? "L4CON" : "L7OK", true, ""};
    };
    rig.controller->check(1.5);  // DOWN once
    rig.controller->check(2);    // UP again: the streak restarts
    rig.controller->check(2.5);  // DOWN 1
    CHECK(rig.actions.replaced.empty());
    rig.controller->check(3);  // DOWN 2: replaced
    CHECK(rig.actions.replaced == std::vector<std::uint32_t>{3});
    CHECK_THAT(rig.events().back()["reason"].get<std::string>(),
               Catch::StartsWith("web3 is DOWN (L4CON) in 2 consecutive checks"));
  }
  const auto st = rig.controller->status();
  CHECK(st.recoveries == 1);
  CHECK(st.scale_ups == 1);
  CHECK(rig.controller->state().last_scale_s == 1);  // the cooldown was not restarted
  auto ev = rig.events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[1]["type"] == "recovery");
  CHECK(ev[1]["from"] == 3);
  CHECK(ev[1]["to"] == 3);
  CHECK(ev[1].contains("slot"));
  CHECK_THAT(ev[1]["reason"].get<std::string>(), Catch::Contains("replaced"));

  // The next scale event comes when the cooldown of the LAST SCALE EVENT (t=1) ends: at 4.
  rig.source.health = [](std::uint32_t slot, double) {
    return as::ReplicaHealth{slot, "UP", "L7OK", true, ""};
  };
  rig.controller->check(4);
  ev = rig.events();
  REQUIRE(ev.size() == 3);
  CHECK(ev[2]["type"] == "scale_up");
  CHECK(ev[2]["t_s"] == 4.0);
}

TEST_CASE("controller: never outside min..max", "[autoscaler]") {
  SECTION("exponential steps are capped at max") {
    Rig rig(doubling(2, 5));
    rig.source.sample = busy;
    rig.controller->check(1);
    CHECK(rig.actions.slots.size() == 4);  // 2 x 2
    rig.controller->check(4);
    CHECK(rig.actions.slots.size() == 5);  // 8, capped
    rig.controller->check(7);
    CHECK(rig.actions.slots.size() == 5);
    const auto ev = rig.events();
    REQUIRE(ev.size() == 2);
    CHECK(ev[0]["to"] == 4);
    CHECK(ev[1]["to"] == 5);
  }
  SECTION("below min at start (a replica lost): back to min at once") {
    Rig rig(knobs(3, 5), 1);
    rig.source.sample = idle;
    rig.controller->check(1);
    CHECK(rig.actions.slots.size() == 3);
  }
  SECTION("random load, every algorithm: the count stays in bounds at every check") {
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> cpu(0, 150), rps(0, 300), ms(0, 2000);
    for (const auto alg : {as::Algorithm::kLinear, as::Algorithm::kExponential,
                           as::Algorithm::kPredictive, as::Algorithm::kTargetTracking}) {
      auto k = knobs(2, 7);
      k.algorithm = alg;
      k.window_s = 3;
      k.cooldown_s = 0;
      Rig rig(k);
      rig.source.sample = [&](double) {
        // A braced list evaluates in order: the same draws from rng as one field at a time.
        return as::Sample{
            .cpu_percent = cpu(rng), .rps_per_replica = rps(rng), .response_ms = ms(rng)};
      };
      std::set<std::size_t> seen;
      for (int t = 1; t <= 200; ++t) {
        rig.controller->check(t);
        const auto n = rig.actions.slots.size();
        INFO("algorithm " << as::to_string(alg) << " t " << t);
        REQUIRE(n >= 2);
        REQUIRE(n <= 7);
        seen.insert(n);
      }
      CHECK(seen.size() > 1);  // it did move
    }
  }
}

TEST_CASE("controller: failures, shutdown between actions, observation errors", "[autoscaler]") {
  SECTION("an add that fails is no scale event and starts no cooldown") {
    Rig rig(knobs());
    rig.source.sample = busy;
    rig.actions.fail_add = true;
    rig.controller->check(1);
    CHECK(rig.actions.slots.size() == 2);
    CHECK(rig.events().empty());
    CHECK_FALSE(rig.controller->state().last_scale_s.has_value());
    CHECK(rig.controller->status().action_errors == 1);
    CHECK_THAT(rig.controller->status().last_reason, Catch::Contains("add failed: nginx-9"));
    rig.actions.fail_add = false;
    rig.controller->check(2);  // tried again at the next check
    CHECK(rig.actions.slots.size() == 3);
  }
  SECTION("a stop request ends a batch of adds") {
    Rig rig(doubling(2, 8));
    rig.source.sample = busy;
    rig.actions.on_add = [&rig] { rig.stop = true; };
    rig.controller->check(1);
    CHECK(rig.actions.adds == 1);
    const auto ev = rig.events();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0]["to"] == 3);  // what really happened, not the 4 asked for
  }
  SECTION("an observation error skips the check") {
    Rig rig(knobs());
    rig.source.fail = true;
    rig.controller->check(1);
    const auto st = rig.controller->status();
    CHECK(st.observe_errors == 1);
    CHECK(st.checks == 1);
    CHECK_FALSE(st.last_decision_s.has_value());
    CHECK(rig.actions.adds + rig.actions.removes == 0);
  }
}

TEST_CASE("controller: run checks on the interval's deadlines with a fake clock", "[autoscaler]") {
  Rig rig(knobs());
  double now = 0.0;
  std::vector<double> checks;
  rig.source.sample = [&](double t) {
    checks.push_back(t);
    if (checks.size() == 3) now += 2.5;  // a slow check: the deadlines it overran are skipped
    return idle(t);
  };
  std::vector<double> waits;
  rig.controller->run([&] { return now; },
                      [&](double deadline) {
                        waits.push_back(deadline);
                        now = std::max(now, deadline);
                        return waits.size() <= 5;
                      },
                      0.5);
  CHECK(checks == std::vector<double>{0.5, 1.5, 2.5, 5.5, 6.5});
  CHECK(waits == std::vector<double>{0.5, 1.5, 2.5, 5.5, 6.5, 7.5});
}
