// Fault targets: the scenario's names parsed (stack/model/fault_target.h) and resolved to the
// process groups recorded in a run (stack/fault_targets.h), alive ones only.
#include "stack/fault_targets.h"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using lg::FaultTarget;
using lg::parse_fault_target;
using lg::stack::RecordedProcess;
using lg::stack::resolve_fault_target;

namespace {

// Groups with an odd pid are "alive" in these tables.
bool odd_alive(const RecordedProcess& p) {
  return p.pid % 2 == 1;
}

const std::vector<RecordedProcess> kRun = {
    {"mariadb", 101, 0, 15}, {"haproxy", 103, 0, 15}, {"nginx-1", 111, 0, 3},
    {"fpm-1", 113, 0, 3},    {"nginx-2", 120, 0, 3},  {"fpm-2", 121, 0, 3},  // nginx-2 dead
    {"nginx-3", 131, 0, 3},  {"fpm-3", 133, 0, 3},    {"autoscaler", 142, 0, 15},
    {"nginx-1", 150, 0, 3},  // an earlier nginx-1, gone
};

std::vector<int> resolve(std::string_view text) {
  const auto t = parse_fault_target(text);
  REQUIRE(t.has_value());
  const auto r = resolve_fault_target(*t, kRun, &odd_alive);
  INFO((r ? std::string() : r.error()));
  REQUIRE(r.has_value());
  return *r;
}

std::string refused(std::string_view text) {
  const auto t = parse_fault_target(text);
  REQUIRE(t.has_value());
  const auto r = resolve_fault_target(*t, kRun, &odd_alive);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("fault targets: the accepted names parse, others name what is accepted", "[fault]") {
  CHECK(parse_fault_target("db")->what == FaultTarget::What::kDatabase);
  CHECK(parse_fault_target("autoscaler")->what == FaultTarget::What::kAutoscaler);
  const auto r = parse_fault_target("replica:2/fpm");
  REQUIRE(r.has_value());
  CHECK(r->what == FaultTarget::What::kReplica);
  CHECK(r->slot == 2);
  CHECK(r->part == FaultTarget::Part::kFpm);
  CHECK(parse_fault_target("replica:any")->slot == 0);
  CHECK(parse_fault_target("replica:any/nginx")->part == FaultTarget::Part::kNginx);
  for (const char* bad : {"replica:0", "replica:", "replica:x", "replica:2/php", "replica:-1",
                          "replica 2", "database", "", "replica:2/"}) {
    CAPTURE(bad);
    const auto e = parse_fault_target(bad);
    REQUIRE_FALSE(e.has_value());
    CHECK_THAT(e.error(), Contains("is not a fault target (accepted: replica:N"));
  }
}

TEST_CASE("fault targets: resolved to the alive groups recorded in the run", "[fault]") {
  CHECK(resolve("db") == std::vector<int>{101});
  CHECK(resolve("replica:1") == std::vector<int>{111, 113});  // not the earlier, dead nginx-1
  CHECK(resolve("replica:1/nginx") == std::vector<int>{111});
  CHECK(resolve("replica:3/fpm") == std::vector<int>{133});
  CHECK(resolve("replica:2/fpm") == std::vector<int>{121});     // its nginx died, its pool did not
  CHECK(resolve("replica:any") == std::vector<int>{111, 113});  // the lowest alive
}

TEST_CASE("fault targets: nothing alive behind a target is an error naming what runs", "[fault]") {
  CHECK(refused("autoscaler") == "the autoscaler is not running");
  CHECK(refused("replica:2") == "replica 2 is not running (running: 1, 3)");
  CHECK(refused("replica:9/nginx") == "replica 9 is not running (running: 1, 3)");
  const auto t = parse_fault_target("replica:any");
  REQUIRE(t.has_value());
  const auto none = resolve_fault_target(*t, {{"mariadb", 101, 0, 15}}, &odd_alive);
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error() == "no replica is running");
}

TEST_CASE("fault targets: a network fault's slot is the replica's, running in full", "[fault]") {
  const auto slot = [](std::string_view text) {
    const auto t = parse_fault_target(text);
    REQUIRE(t.has_value());
    return lg::stack::resolve_fault_slot(*t, kRun, &odd_alive);
  };
  CHECK(slot("replica:1") == 1u);
  CHECK(slot("replica:3") == 3u);
  CHECK(slot("replica:any") == 1u);     // the lowest running
  const auto half = slot("replica:2");  // its nginx is dead: no route worth switching
  REQUIRE_FALSE(half.has_value());
  CHECK(half.error() == "replica 2 is not running (running: 1, 3)");
  CHECK_FALSE(slot("db").has_value());  // only a replica has a slot
}
