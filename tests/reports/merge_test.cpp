// Shard results merged: a simulated scenario of 600 arrivals, each with a known latency, is
// split into shards exactly as the engine splits it (arrival k goes to shard k % N); the merge
// of the shards must equal the whole run in every counter and histogram. Refusals name files.
#include "reports/merge/merge.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/merge/merge_check.h"
#include "reports/result/result_json.h"

using Catch::Matchers::Contains;

namespace {

constexpr std::uint64_t kArrivals = 600;  // 100/s for 2 s, then 200/s for 2 s
constexpr double kStartMs = 1'795'321'201'250.0;

lg::RunPlan scenario(std::uint32_t index, std::uint32_t count) {
  lg::RunPlan p;
  p.name = "shards";
  p.target.host = "10.0.0.7";
  p.target.port = 8080;
  p.steps = {{"100/s", 0, 100, 100, 2'000'000'000, false},
             {"200/s", 0, 200, 200, 2'000'000'000, false}};
  p.seed = 7;
  p.threads = 2;
  p.shard_index = index;
  p.shard_count = count;
  return p;
}

// Arrival k: its step, its second (by intended time) and its outcome, fixed by k alone.
std::size_t step_of(std::uint64_t k) {
  return k < 200 ? 0 : 1;
}
std::int64_t second_of(std::uint64_t k) {
  return k < 200 ? static_cast<std::int64_t>(k / 100)
                 : 2 + static_cast<std::int64_t>((k - 200) / 200);
}
std::uint64_t latency_us(std::uint64_t k) {
  return 150 + (k * 7'919) % 60'000;  // 150 us .. 60 ms, exact and log-linear slots
}

void record(std::uint64_t k, lg::StepAccum& a) {
  auto& c = a.counters;
  ++c.scheduled;
  ++c.sent;
  ++c.responses;
  if (k % 50 == 0) {
    c.count(lg::ErrorKind::kHttp5xx);
  } else {
    ++c.completed;
  }
  if (k % 17 == 0) ++c.late;
  c.bytes_in += 2;
  REQUIRE(a.latency.record(latency_us(k)));
  REQUIRE(a.service.record(latency_us(k) / 2));
  REQUIRE(a.lag.record(k % 13));
}

// The result one process would record running `plan`'s share of the arrivals.
lg::RunResult simulate(const lg::RunPlan& plan, double started_unix_ms = kStartMs) {
  lg::RunResult r;
  r.plan = plan;
  r.target_url = "http://10.0.0.7:8080";
  r.started_unix_ms = started_unix_ms;
  r.started_at = "label-" + std::to_string(plan.shard_index);
  r.duration_ns = 4'000'000'000 + 1'000'000 * static_cast<std::int64_t>(plan.shard_index);
  std::int64_t start = 0;
  for (const auto& sp : plan.steps) {
    lg::StepResult s;
    s.plan = sp;
    s.start_ns = start;
    s.end_ns = start += sp.duration_ns;
    s.target_rate = sp.start_rate;  // as ResultBuilder: the scenario's rate, in every shard
    r.steps.push_back(std::move(s));
  }
  std::map<std::int64_t, lg::StepAccum> seconds;
  for (std::uint64_t k = plan.shard_index; k < kArrivals; k += plan.shard_count) {
    record(k, r.steps[step_of(k)].data);
    record(k, seconds[second_of(k)]);
  }
  for (auto& s : r.steps) {
    s.achieved_rate = static_cast<double>(s.data.counters.sent) / 2.0;
    s.ok_rate = static_cast<double>(s.data.counters.completed) / 2.0;
    r.total.merge(s.data);
  }
  for (const auto& [second, a] : seconds) {
    lg::TimelinePoint t;
    t.second = second;
    t.counters = a.counters;
    t.latency = lg::summarize(a.latency);
    t.cpu_percent = 10;
    t.max_lag_ms = 0.5 + static_cast<double>(plan.shard_index);
    t.open_connections = 3;
    t.rss_kb = 8'000 + plan.shard_index;
    r.timeline.push_back(t);
  }
  r.generator = {plan.threads, 0.25, 0, r.total.lag, 9'000 + plan.shard_index, true, false, ""};
  r.generator.cpu_us_per_request = 0.25e6 / static_cast<double>(r.total.counters.responses);
  return r;
}

// A stored shard (or whole run) of `plan`, with the scenario's SLO.
lg::reports::StoredResult stored(const lg::RunPlan& plan) {
  lg::reports::StoredResult s;
  s.result = simulate(plan);
  s.slos = {*lg::validators::parse_slo("p99 < 1s")};
  s.passed = true;
  return s;
}

std::vector<lg::reports::StoredResult> split(std::uint32_t n) {
  std::vector<lg::reports::StoredResult> out;
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(stored(scenario(i, n)));
  return out;
}

std::vector<std::string> names_of(std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back("shard-" + std::to_string(i + 1) + ".json");
  return names;
}

std::string refusal(const std::vector<lg::reports::StoredResult>& shards,
                    const std::vector<std::string>& names) {
  const auto merged = lg::reports::merge_shards(shards, names);
  REQUIRE_FALSE(merged.has_value());
  return merged.error();
}

}  // namespace

TEST_CASE("merge: four shards add up to the whole run exactly", "[reports][merge]") {
  const auto whole = simulate(scenario(0, 1));
  auto shards = split(4);
  std::swap(shards[0], shards[3]);  // any order: merged by shard index
  auto names = names_of(4);
  std::swap(names[0], names[3]);
  const auto merged = lg::reports::merge_shards(shards, names);
  REQUIRE(merged.has_value());
  REQUIRE(merged->result.steps.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& m = merged->result.steps[i];
    const auto& w = whole.steps[i];
    CHECK(m.data.counters == w.data.counters);
    CHECK(m.data.latency == w.data.latency);
    CHECK(m.data.service == w.data.service);
    CHECK(m.data.lag == w.data.lag);
    CHECK(m.achieved_rate == w.achieved_rate);
    CHECK(m.target_rate == w.target_rate);  // the scenario's rate, not 4 times it
  }
  CHECK(merged->result.total.counters == whole.total.counters);
  CHECK(merged->result.total.counters.scheduled == kArrivals);
  CHECK(merged->result.total.latency == whole.total.latency);
  CHECK(merged->result.generator.lag == whole.generator.lag);
  for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
    CHECK(merged->result.total.latency.value_at_percentile(p) ==
          whole.total.latency.value_at_percentile(p));
  }
  CHECK(merged->result.plan.shard_index == 0);
  CHECK(merged->result.plan.shard_count == 1);
  CHECK(merged->result.plan.threads == 8);
  CHECK(merged->result.plan.connections == 0);  // automatic in every shard: stays automatic
}

TEST_CASE("merge: per-second counters sum, per-second percentiles are upper bounds",
          "[reports][merge]") {
  const auto whole = simulate(scenario(0, 1));
  const auto merged = lg::reports::merge_shards(split(3), names_of(3));
  REQUIRE(merged.has_value());
  REQUIRE(merged->result.timeline.size() == whole.timeline.size());
  for (std::size_t i = 0; i < whole.timeline.size(); ++i) {
    const auto& m = merged->result.timeline[i];
    const auto& w = whole.timeline[i];
    CHECK(m.second == w.second);
    CHECK(m.counters == w.counters);
    CHECK(m.latency.p50 >= w.latency.p50);
    CHECK(m.latency.p99 >= w.latency.p99);
    CHECK(m.latency.count == w.latency.count);
    CHECK(m.cpu_percent == Approx(30));
    CHECK(m.open_connections == 9);
    CHECK(m.max_lag_ms == 2.5);  // the largest shard's
    CHECK(m.rss_kb == 8'002);
  }
}

TEST_CASE("merge: timelines are aligned on the wall clock", "[reports][merge]") {
  std::vector<lg::reports::StoredResult> shards;
  // Shard 4 started first; shards 1, 2 and 3 started 0.4 s, 1.8 s and 3.0 s after it, so
  // their seconds move by 0, 2 and 3 (rounded): the shift is from the earliest shard.
  const double starts[] = {kStartMs + 400, kStartMs + 1'800, kStartMs + 3'000, kStartMs};
  for (std::uint32_t i = 0; i < 4; ++i) {
    shards.push_back({simulate(scenario(i, 4), starts[i]), {}, true, ""});
  }
  const auto merged = lg::reports::merge_shards(shards, names_of(4));
  REQUIRE(merged.has_value());
  CHECK(merged->result.started_unix_ms == kStartMs);
  CHECK(merged->result.started_at == "label-3");
  // Seconds 0..3 of each shard land at 0+shift..3+shift with shifts 0, 2, 3, 0.
  std::map<std::int64_t, std::uint64_t> expected;
  const std::int64_t shifts[] = {0, 2, 3, 0};
  for (std::uint32_t i = 0; i < 4; ++i) {
    for (const auto& t : shards[i].result.timeline) {
      expected[t.second + shifts[i]] += t.counters.sent;
    }
  }
  std::map<std::int64_t, std::uint64_t> got;
  for (const auto& t : merged->result.timeline) got[t.second] = t.counters.sent;
  CHECK(got == expected);
  CHECK(got.rbegin()->first == 6);
  CHECK(merged->result.total.counters.sent == kArrivals);  // step data does not move
}

TEST_CASE("merge: generator and run fields combine as documented", "[reports][merge]") {
  auto shards = split(2);
  shards[1].result.generator.saturated = true;
  shards[1].result.generator.saturation_reason = "lag p99 12ms";
  shards[1].result.generator.clean_shutdown = false;
  shards[0].result.interrupted = true;
  shards[0].observed.events = {
      {1.0, -1, "2026-11-22T04:20:01Z", "scale_up", 2, 3, "cpu", {}},
      {1.0, -1, "2026-11-22T04:20:01Z", "scale_up", 2, 3, "cpu", {}},
  };
  shards[1].observed.events = {{5.0, -1, "2026-11-22T04:20:05Z", "scale_up", 3, 4, "", {}}};
  shards[0].observed.replica_load = {{"r1", 100, 90, 4}, {"r2", 50, 60, 4}};
  shards[1].observed.replica_load = {{"r2", 70, 65, 3}, {"r3", 10, 10, 1}};
  const auto merged = lg::reports::merge_shards(shards, names_of(2));
  REQUIRE(merged.has_value());
  const auto& g = merged->result.generator;
  CHECK(g.threads == 4);
  CHECK(g.cpu_seconds == 0.5);
  CHECK(g.peak_rss_kb == 9'001);
  CHECK(g.saturated);
  CHECK_THAT(g.saturation_reason, Contains("shard-2.json: lag p99 12ms"));
  CHECK_FALSE(g.clean_shutdown);
  CHECK(g.cpu_us_per_request == Approx(0.5e6 / kArrivals));
  CHECK(merged->result.interrupted);
  CHECK(merged->result.duration_ns == 4'001'000'000);
  REQUIRE(merged->observed.events.size() == 1);  // the first shard's, once
  CHECK(merged->observed.events[0].to == 3);
  REQUIRE(merged->observed.replica_load.size() == 3);
  CHECK(merged->observed.replica_load[1].server == "r2");
  CHECK(merged->observed.replica_load[1].requests == 120);
  CHECK(merged->observed.replica_load[1].fair_share == 125);
  CHECK(merged->observed.replica_load[1].seconds_up == 4);
}

TEST_CASE("merge: a whole run merges to itself", "[reports][merge]") {
  const lg::reports::StoredResult whole = stored(scenario(0, 1));
  const auto merged = lg::reports::merge_shards({whole}, {"result.json"});
  REQUIRE(merged.has_value());
  CHECK(lg::reports::to_json(*merged, {}) == lg::reports::to_json(whole, {}));
}

TEST_CASE("merge: shards may differ in threads and connections only", "[reports][merge]") {
  auto shards = split(2);
  shards[1].result.plan.threads = 6;
  shards[0].result.plan.connections = 100;
  shards[1].result.plan.connections = 50;
  const auto merged = lg::reports::merge_shards(shards, names_of(2));
  REQUIRE(merged.has_value());
  CHECK(merged->result.plan.threads == 8);
  CHECK(merged->result.plan.connections == 150);
}

TEST_CASE("merge: shards of different scenarios are refused, naming files and fields",
          "[reports][merge]") {
  auto shards = split(2);
  SECTION("another seed") {
    shards[1].result.plan.seed = 8;
    const auto why = refusal(shards, names_of(2));
    CHECK_THAT(why, Contains("shard-1.json and shard-2.json are not shards of one scenario"));
    CHECK_THAT(why, Contains("/scenario/seed: 7 vs 8"));
  }
  SECTION("a longer step and another target") {
    shards[1].result.plan.steps[1].duration_ns = 3'000'000'000;
    shards[1].result.plan.target.port = 9090;
    const auto why = refusal(shards, names_of(2));
    CHECK_THAT(why, Contains("/scenario/steps/1/duration_s: 2.0 vs 3.0"));
    CHECK_THAT(why, Contains("/scenario/target"));
  }
  SECTION("another SLO") {
    shards[0].slos = {*lg::validators::parse_slo("p99 < 2s")};
    CHECK_THAT(refusal(shards, names_of(2)), Contains("/scenario/slo/0"));
  }
}

TEST_CASE("merge: overlapping, missing and mismatched shards are refused", "[reports][merge]") {
  SECTION("the same shard twice") {
    auto shards = split(3);
    shards[2] = shards[1];
    const auto why = refusal(shards, names_of(3));
    CHECK_THAT(why, Contains("shard-2.json and shard-3.json are both shard 2/3"));
  }
  SECTION("missing shards are listed") {
    auto shards = split(4);
    shards.erase(shards.begin() + 3);
    shards.erase(shards.begin() + 1);
    const auto why = refusal(shards, {"a.json", "c.json"});
    CHECK_THAT(why, Contains("the split has 4 shards"));
    CHECK_THAT(why, Contains("2 file(s) were given"));
    CHECK_THAT(why, Contains("missing shard 2/4, 4/4"));
    CHECK_THAT(why, Contains("a.json, c.json"));
  }
  SECTION("another split") {
    auto shards = split(2);
    shards[1].result.plan.shard_count = 3;
    const auto why = refusal(shards, names_of(2));
    CHECK_THAT(why, Contains("shard-1.json is shard 1/2 but shard-2.json is shard 2/3"));
  }
  SECTION("a whole run among shards") {
    auto shards = split(2);
    shards.push_back(stored(scenario(0, 1)));
    const auto why = refusal(shards, {"s1.json", "s2.json", "whole.json"});
    CHECK_THAT(why, Contains("whole.json is a whole run (not sharded) but s1.json is shard 1/2"));
  }
  SECTION("two whole runs") {
    const lg::reports::StoredResult whole = stored(scenario(0, 1));
    CHECK_THAT(refusal({whole, whole}, {"a.json", "b.json"}), Contains("both whole runs"));
  }
  SECTION("shards that each ran their own embedded stack") {
    auto shards = split(2);
    for (auto& s : shards) s.stack = lg::StackSpec{};
    CHECK_THAT(refusal(shards, names_of(2)),
               Contains("shard-1.json ran against its own embedded stack"));
  }
}

TEST_CASE("merge: plan_differences lists every difference up to a limit", "[reports][merge]") {
  auto a = scenario(0, 2);
  auto b = scenario(1, 2);
  CHECK(lg::reports::plan_differences(a, b).empty());  // the shard index may differ
  b.name = "other";
  b.arrival = lg::Arrival::kPoisson;
  b.timeout_ns = 1'000'000'000;
  const auto lines = lg::reports::plan_differences(a, b, 2);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "/scenario/arrival: \"constant\" vs \"poisson\"");
  CHECK(lines[2] == "...");
}
