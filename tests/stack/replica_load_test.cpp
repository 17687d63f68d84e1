// ReplicaLoadTracker: per-replica traffic against an even split, from cumulative counters.
#include <catch2/catch.hpp>

#include "stack/model/replica_load.h"

namespace {

const lg::ReplicaLoad& find(const std::vector<lg::ReplicaLoad>& v, const std::string& name) {
  for (const auto& l : v)
    if (l.server == name) return l;
  FAIL("no entry for " << name);
  return v.front();
}

}  // namespace

TEST_CASE("replica load: an even split gives every replica its fair share", "[core]") {
  lg::ReplicaLoadTracker t;
  t.add({{"web1", 0, true}, {"web2", 0, true}});
  t.add({{"web1", 100, true}, {"web2", 100, true}});
  t.add({{"web1", 250, true}, {"web2", 250, true}});
  const auto r = t.result();
  REQUIRE(r.size() == 2);
  CHECK(find(r, "web1").requests == 250);
  CHECK(find(r, "web1").fair_share == Approx(250));
  CHECK(find(r, "web2").seconds_up == 2);
}

TEST_CASE("replica load: a skewed split shows in requests against fair share", "[core]") {
  lg::ReplicaLoadTracker t;
  t.add({{"web1", 0, true}, {"web2", 0, true}});
  t.add({{"web1", 300, true}, {"web2", 100, true}});
  const auto r = t.result();
  CHECK(find(r, "web1").requests == 300);
  CHECK(find(r, "web1").fair_share == Approx(200));
  CHECK(find(r, "web2").requests == 100);
  CHECK(find(r, "web2").fair_share == Approx(200));
}

TEST_CASE("replica load: a replica joining later is owed a share only while UP", "[core]") {
  lg::ReplicaLoadTracker t;
  t.add({{"web1", 0, true}, {"web2", 0, true}, {"web3", 0, false}});
  t.add({{"web1", 200, true}, {"web2", 200, true}, {"web3", 0, false}});  // web3 not yet UP
  t.add({{"web1", 300, true}, {"web2", 300, true}, {"web3", 0, true}});   // UP at the end only
  t.add({{"web1", 400, true}, {"web2", 400, true}, {"web3", 100, true}});
  const auto r = t.result();
  CHECK(find(r, "web3").requests == 100);
  CHECK(find(r, "web3").fair_share == Approx(100));
  CHECK(find(r, "web3").seconds_up == 1);
  CHECK(find(r, "web1").fair_share == Approx(400));
}

TEST_CASE("replica load: a DOWN replica and a counter that went backwards count nothing",
          "[core]") {
  lg::ReplicaLoadTracker t;
  t.add({{"web1", 50, true}, {"web2", 50, true}});
  t.add({{"web1", 150, true}, {"web2", 60, false}});  // web2 went DOWN
  t.add({{"web1", 10, true}, {"web2", 60, false}});   // reload: web1's counter restarted
  const auto r = t.result();
  REQUIRE(r.size() == 1);
  CHECK(find(r, "web1").requests == 100);
  CHECK(find(r, "web1").fair_share == Approx(100));
  CHECK(find(r, "web1").seconds_up == 2);
}
