// The (key, member) tables of reports/result/json_fields.h: one table writes a record and reads
// it back, each member by its type; nanoseconds are seconds, and an optional time is null.
#include "reports/result/json_fields.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

struct Record {
  std::string name = "default";
  bool on = false;
  double share = 0;
  std::uint32_t small = 0;
  std::uint64_t big = 0;
  std::int64_t whole = 0;
  std::int64_t at_ns = 0;
  std::int64_t fired_ns = -1;  // -1: none
};

constexpr lg::reports::Field<Record> kFields[] = {
    {"name", &Record::name},
    {"on", &Record::on},
    {"share", &Record::share},
    {"small", &Record::small},
    {"big", &Record::big},
    {"whole", &Record::whole},
    {"at_s", lg::reports::seconds(&Record::at_ns)},
    {"fired_s", lg::reports::seconds_or_null(&Record::fired_ns)},
};

Record sample() {
  Record r;
  r.name = "r3";
  r.on = true;
  r.share = 12.5;
  r.small = 7;
  r.big = UINT64_MAX;
  r.whole = 42;
  r.at_ns = 1'500'000'000;
  r.fired_ns = 1'500'250'000;
  return r;
}

}  // namespace

TEST_CASE("json fields: a record is written by its table, each member as its type", "[reports]") {
  json j = {{"other", 1}};
  lg::reports::write_fields(j, sample(), kFields);
  CHECK(j == json::parse(R"({"other": 1, "name": "r3", "on": true, "share": 12.5, "small": 7,
                             "big": 18446744073709551615, "whole": 42, "at_s": 1.5,
                             "fired_s": 1.50025})"));
  CHECK(j["big"].is_number_unsigned());
  CHECK(j["whole"].is_number_integer());

  Record none = sample();
  none.fired_ns = -1;
  CHECK(lg::reports::records_json(std::vector<Record>{none}, kFields)[0]["fired_s"].is_null());
  CHECK(lg::reports::records_json(std::vector<Record>{}, kFields) == json::array());
}

TEST_CASE("json fields: what the table writes, it reads back", "[reports]") {
  for (const auto fired : {std::int64_t{1'500'250'000}, std::int64_t{-1}}) {
    Record r = sample();
    r.fired_ns = fired;
    json j = json::object();
    lg::reports::write_fields(j, r, kFields);
    lg::reports::JsonWalker w("f.json");
    const auto back = lg::reports::read_record(w, lg::reports::JsonWalker::root(j), kFields);
    REQUIRE(w.ok());
    CHECK(back.name == r.name);
    CHECK(back.on == r.on);
    CHECK(back.share == r.share);
    CHECK(back.small == r.small);
    CHECK(back.big == r.big);
    CHECK(back.whole == r.whole);
    CHECK(back.at_ns == r.at_ns);
    CHECK(back.fired_ns == r.fired_ns);
  }
}

TEST_CASE("json fields: every bad member is named, in table order", "[reports]") {
  json j = json::object();
  lg::reports::write_fields(j, sample(), kFields);
  j["fired_s"] = "soon";
  j["whole"] = 1.5;
  j.erase("name");
  lg::reports::JsonWalker w("f.json");
  (void)lg::reports::read_record(w, lg::reports::JsonWalker::root(j), kFields);
  const auto report = w.report();
  const auto name = report.find("f.json: /name: ");
  const auto whole = report.find("f.json: /whole: ");
  const auto fired = report.find("f.json: /fired_s: ");
  CHECK(name != std::string::npos);
  CHECK(whole != std::string::npos);
  CHECK(fired != std::string::npos);
  CHECK(name < whole);
  CHECK(whole < fired);
}
