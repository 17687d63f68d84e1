// differing_fields: the one definition of "the same plan" behind compare, merge and validate.
// For each Sameness, which fields may differ and which may not, and how differences are listed.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "reports/compare/plan_sameness.h"

namespace {

using lg::reports::differing_fields;
using lg::reports::Sameness;

lg::RunPlan plan() {
  lg::RunPlan p;
  p.name = "same";
  p.steps = {{"10 users", 10, 10, 10, 2'000'000'000, true},
             {"20 users", 20, 20, 20, 3'000'000'000, false}};
  p.seed = 7;
  p.shard_index = 0;
  p.shard_count = 2;
  return p;
}

std::vector<std::string> pointers(const lg::RunPlan& a, const lg::RunPlan& b, Sameness s) {
  std::vector<std::string> out;
  for (const auto& d : differing_fields(a, b, s)) out.push_back(d.pointer);
  return out;
}

// plan() as a stored run holds it, with no stack and no SLOs.
lg::reports::RunRecord record() {
  lg::reports::RunRecord r;
  r.result.plan = plan();
  return r;
}

// Every way `b` differs from record(), one change at a time, named by the field changed.
std::vector<std::pair<std::string, lg::reports::RunRecord>> one_change_each() {
  std::vector<std::pair<std::string, lg::reports::RunRecord>> out;
  const auto with_record = [&](const std::string& what, auto change) {
    auto r = record();
    change(r);
    out.emplace_back(what, r);
  };
  const auto with = [&](const std::string& what, auto change) {
    with_record(what, [&](auto& r) { change(r.result.plan); });
  };
  with("name", [](auto& p) { p.name = "other"; });
  with("arrival", [](auto& p) { p.arrival = lg::Arrival::kPoisson; });
  with("request", [](auto& p) { p.requests[0].path = "/other"; });
  with("users", [](auto& p) { p.steps[1].users = 30; });
  with("warmup", [](auto& p) { p.steps[0].warmup = false; });
  with("duration", [](auto& p) { p.steps[1].duration_ns = 4'000'000'000; });
  with("rate", [](auto& p) { p.steps[1].end_rate = 40; });
  with("shard", [](auto& p) { p.shard_index = 1; });
  with("threads", [](auto& p) { p.threads = 8; });
  with("connections", [](auto& p) { p.connections = 64; });
  with("target", [](auto& p) { p.target.port = 9090; });
  with("seed", [](auto& p) { p.seed = 8; });
  with("timeout", [](auto& p) { p.timeout_ns = 1'000'000'000; });
  with_record("slo", [](auto& r) { r.slos = {*lg::validators::parse_slo("p95 < 1s")}; });
  with_record("stack", [](auto& r) { r.stack = lg::StackSpec{}; });
  with("label", [](auto& p) { p.steps[0].label = "warm-up"; });
  return out;
}

// The changes `s` refuses, by name.
std::vector<std::string> refused(Sameness s) {
  std::vector<std::string> out;
  for (const auto& [what, other] : one_change_each()) {
    if (!differing_fields(record(), other, s).empty()) out.push_back(what);
  }
  return out;
}

}  // namespace

TEST_CASE("plan sameness: what each purpose allows to differ", "[reports][sameness]") {
  CHECK(differing_fields(plan(), plan(), Sameness::kComparable).empty());
  CHECK(differing_fields(plan(), plan(), Sameness::kShardsOfOneRun).empty());
  CHECK(differing_fields(plan(), plan(), Sameness::kSameStepTiming).empty());
  // compare: the schedule and the shard; a release may change the rest.
  CHECK(refused(Sameness::kComparable) == std::vector<std::string>{"name", "arrival", "request",
                                                                   "users", "warmup", "duration",
                                                                   "rate", "shard"});
  // merge: all but what each generator ran with.
  CHECK(refused(Sameness::kShardsOfOneRun) ==
        std::vector<std::string>{"name", "arrival", "request", "users", "warmup", "duration",
                                 "rate", "target", "seed", "timeout", "slo", "stack", "label"});
  // validate: only when the arrivals came due.
  CHECK(refused(Sameness::kSameStepTiming) == std::vector<std::string>{"duration", "rate"});
}

TEST_CASE("plan sameness: pointers, values, counts before entries", "[reports][sameness]") {
  auto other = plan();
  other.steps[0].duration_ns = 2'500'000'000;
  other.steps.push_back({"30 users", 30, 30, 30, 1'000'000'000, false});
  const auto d = differing_fields(plan(), other, Sameness::kSameStepTiming);
  REQUIRE(d.size() == 2);
  CHECK(d[0].pointer == "/steps");
  CHECK(d[0].count);
  CHECK(d[0].base == 2);
  CHECK(d[0].other == 3);
  CHECK(d[1].pointer == "/steps/0/duration_s");
  CHECK_FALSE(d[1].count);
  CHECK(d[1].base == 2.0);
  CHECK(d[1].other == 2.5);
}

TEST_CASE("plan sameness: rates are equal within 1e-9 only for comparisons",
          "[reports][sameness]") {
  auto other = plan();
  other.steps[1].start_rate = other.steps[1].end_rate = 20 * (1 + 1e-12);
  CHECK(differing_fields(plan(), other, Sameness::kComparable).empty());
  CHECK(pointers(plan(), other, Sameness::kShardsOfOneRun) ==
        std::vector<std::string>{"/steps/1/end_rate", "/steps/1/start_rate"});
  CHECK(pointers(plan(), other, Sameness::kSameStepTiming).size() == 2);
  other.steps[1].start_rate = other.steps[1].end_rate = 20.5;
  CHECK(pointers(plan(), other, Sameness::kComparable).size() == 2);
}
