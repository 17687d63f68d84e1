// Scenario files -> Scenario (DESIGN.md section 6): a good file gives the expected typed plan;
// every kind of mistake is an error naming the file, the JSON pointer and the bad value; and all
// errors of a file are reported together. Also: every shipped scenario file loads cleanly.
#include "scenarios/scenario_loader.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

constexpr const char* kFile = "dir/my-scenario.json";

// A valid scenario with the given members added (or overriding) at the top level, and the given
// steps and requests (JSON text).
std::string scenario(const std::string& extra,
                     const std::string& steps = R"([{"users": 1, "duration": "1s"}])",
                     const std::string& requests = R"([{"path": "/"}])") {
  const std::string base =
      R"({"schema_version": 1, "target": "http://127.0.0.1:8080", "requests": )" + requests +
      R"(, "steps": )" + steps;
  // Duplicate keys are themselves an error, so members in `extra` replace the base's.
  auto doc = nlohmann::ordered_json::parse(base + "}", nullptr, false);
  const auto add = nlohmann::ordered_json::parse("{" + extra + "}", nullptr, false);
  if (doc.is_discarded() || add.is_discarded())
    return base + (extra.empty() ? "" : ", " + extra) + "}";
  for (const auto& [k, v] : add.items()) doc[k] = v;
  return doc.dump();
}

std::string step(const std::string& members) {
  return R"([{"users": 1, "duration": "1s")" + (members.empty() ? "" : ", " + members) + "}]";
}

std::string request(const std::string& members) {
  return R"([{"path": "/")" + (members.empty() ? "" : ", " + members) + "}]";
}

std::vector<std::string> pointers(const lg::scenarios::LoadErrors& e) {
  std::vector<std::string> out;
  for (const auto& err : e.errors) out.push_back(err.pointer);
  std::sort(out.begin(), out.end());
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("scenario: a key given twice in one object is an error", "[scenario]") {
  const auto r = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "target": "http://127.0.0.1:8080", "requests": [{"path": "/",
          "path": "/b"}], "steps": [{"users": 1, "duration": "1s"}], "timeout": "1s",
          "timeout": "2s"})",
      "dup.json");
  REQUIRE_FALSE(r.has_value());
  CHECK(pointers(r.error()) == Strings{"/requests/0/path", "/timeout"});
  CHECK_THAT(r.error().to_string(), Catch::Contains("dup.json: /timeout: duplicate key"));
}

TEST_CASE("scenario: request headers keep the file's order", "[scenario]") {
  const auto r = lg::scenarios::parse_scenario(
      scenario("", R"([{"users": 1, "duration": "1s"}])",
               R"([{"path": "/", "headers": {"Z-First": "1", "A-Second": "2"}}])"),
      "order.json");
  REQUIRE(r.has_value());
  REQUIRE(r->run.requests[0].headers.size() == 2);
  CHECK(r->run.requests[0].headers[0].first == "Z-First");
  CHECK(r->run.requests[0].headers[1].first == "A-Second");
}

TEST_CASE("scenario: a complete file gives the expected RunPlan", "[scenario]") {
  const std::string text = R"({
    "schema_version": 1,
    "name": "mix",
    "target": "http://10.0.0.5:8081/api/",
    "requests": [
      { "method": "GET", "path": "/item?id={{rand 1 10}}", "weight": 9,
        "headers": { "X-Trace": "abc", "Accept": "application/json" } },
      { "method": "POST", "path": "/item", "body": "{\"a\": 1}", "weight": 1 }
    ],
    "arrival": "poisson",
    "rate_per_user": "2/s",
    "steps": [
      { "users": 10, "duration": "30s" },
      { "users": 50, "duration": "1m", "ramp": "5s" },
      { "rate": "1500/s", "duration": "250ms", "warmup": true }
    ],
    "timeout": "2500ms",
    "connections": 4000,
    "threads": 3,
    "seed": 42
  })";
  const auto plan = lg::scenarios::parse_scenario(text, kFile);
  INFO((plan ? std::string() : plan.error().to_string()));
  REQUIRE(plan.has_value());

  CHECK(plan->run.name == "mix");
  CHECK(plan->run.target.host == "10.0.0.5");
  CHECK(plan->run.target.port == 8081);
  CHECK(plan->run.target.base_path ==
        "/api");  // trailing '/' dropped: request paths start with '/'
  CHECK(plan->run.arrival == lg::Arrival::kPoisson);
  CHECK(plan->run.mode == lg::LoopMode::kOpen);
  CHECK(plan->run.timeout_ns == 2'500'000'000);
  CHECK(plan->run.connections == 4000);  // >= 1500/s x 2.5 s (cross_field_test.cpp)
  CHECK(plan->run.threads == 3);
  CHECK(plan->run.seed == 42);

  REQUIRE(plan->run.requests.size() == 2);
  const auto& get = plan->run.requests[0];
  CHECK(get.method == "GET");
  CHECK(get.path == "/item?id={{rand 1 10}}");
  CHECK(get.weight == 9);
  CHECK(get.body.empty());
  const std::map<std::string, std::string> headers(get.headers.begin(), get.headers.end());
  CHECK(get.headers.size() == 2);
  CHECK(headers ==
        std::map<std::string, std::string>{{"Accept", "application/json"}, {"X-Trace", "abc"}});
  const auto& post = plan->run.requests[1];
  CHECK(post.method == "POST");
  CHECK(post.path == "/item");
  CHECK(post.body == R"({"a": 1})");
  CHECK(post.weight == 1);
  CHECK(post.headers.empty());

  // 3 steps in the file; the ramp adds a warmup step from the previous rate before step 2.
  REQUIRE(plan->run.steps.size() == 4);
  struct Step {
    std::uint32_t users;
    double start_rate;  // requests/s
    double end_rate;    // requests/s
    std::int64_t duration_ns;
    bool warmup;
    std::string label;  // checked equal; or, where label_exact is false, a part of it ("": none)
    bool label_exact;
  };
  const std::vector<Step> steps = {
      {10, 20.0, 20.0, 30'000'000'000, false, "10 users", true},  // 10 users x 2/s
      {50, 20.0, 100.0, 5'000'000'000, true, "50 users", false},  // the ramp's, generated
      {50, 100.0, 100.0, 60'000'000'000, false, "", false},
      {0, 1500.0, 1500.0, 250'000'000, true, "1500/s", true},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CAPTURE(i);
    const auto& got = plan->run.steps[i];
    const auto& want = steps[i];
    CHECK(got.users == want.users);
    CHECK(got.start_rate == Approx(want.start_rate));
    CHECK(got.end_rate == Approx(want.end_rate));
    CHECK(got.duration_ns == want.duration_ns);
    CHECK(got.warmup == want.warmup);
    if (want.label_exact) {
      CHECK(got.label == want.label);
    } else if (!want.label.empty()) {
      CHECK_THAT(got.label, Contains(want.label));
    }
  }
}

TEST_CASE("scenario: defaults for the optional keys", "[scenario]") {
  const auto plan = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "target": "http://h", "steps": [{"users": 3, "duration": "2s"}]})",
      kFile);
  INFO((plan ? std::string() : plan.error().to_string()));
  REQUIRE(plan.has_value());
  const lg::RunPlan defaults;
  CHECK(plan->run.target.host == "h");
  CHECK(plan->run.target.port == 80);
  CHECK(plan->run.target.base_path.empty());
  CHECK(plan->run.arrival == lg::Arrival::kConstant);
  CHECK(plan->run.timeout_ns == defaults.timeout_ns);
  REQUIRE(plan->run.requests.size() == 1);
  CHECK(plan->run.requests[0].method == "GET");
  CHECK(plan->run.requests[0].path == "/");
  REQUIRE(plan->run.steps.size() == 1);
  CHECK(plan->run.steps[0].start_rate == Approx(3.0));  // rate_per_user defaults to 1/s
}

TEST_CASE("scenario: a ramp on the first step starts from 0; a zero ramp adds no step",
          "[scenario]") {
  const auto plan = lg::scenarios::parse_scenario(
      scenario(R"("rate_per_user": "30/m")", R"([{"users": 4, "duration": "10s", "ramp": "3s"},
                                                 {"users": 8, "duration": "10s", "ramp": "0s"}])"),
      kFile);
  INFO((plan ? std::string() : plan.error().to_string()));
  REQUIRE(plan.has_value());
  REQUIRE(plan->run.steps.size() == 3);
  CHECK(plan->run.steps[0].warmup);
  CHECK(plan->run.steps[0].start_rate == 0.0);
  CHECK(plan->run.steps[0].end_rate == Approx(2.0));  // 4 users x 0.5/s
  CHECK(plan->run.steps[0].duration_ns == 3'000'000'000);
  CHECK(plan->run.steps[1].start_rate == Approx(2.0));
  CHECK(plan->run.steps[1].duration_ns == 10'000'000'000);
  CHECK(plan->run.steps[2].start_rate == Approx(4.0));
  CHECK(plan->run.steps[2].end_rate == Approx(4.0));
  CHECK_FALSE(plan->run.steps[2].warmup);
}

TEST_CASE("scenario: each mistake is one error with the file, the pointer and the bad value",
          "[scenario]") {
  auto [what, text, pointer,
        shows] = GENERATE(table<std::string, std::string, std::string, std::string>({
      // unknown keys, at every level
      {"unknown top-level key", scenario(R"("colour": "red")"), "/colour", "colour"},
      {"unknown step key", scenario("", step(R"("speed": 2)")), "/steps/0/speed", "speed"},
      {"unknown request key",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("verb": "GET")")),
       "/requests/0/verb", "verb"},
      {"unknown key in a later step",
       scenario("", R"([{"users": 1, "duration": "1s"}, {"users": 2, "duration": "1s", "x": 1}])"),
       "/steps/1/x", "\"x\""},
      // schema_version
      {"schema_version missing",
       R"({"target": "http://h", "steps": [{"users": 1, "duration": "1s"}]})", "/schema_version",
       "missing"},
      {"schema_version 2", scenario(R"("schema_version": 2)"), "/schema_version", "2"},
      {"schema_version as a string", scenario(R"("schema_version": "1")"), "/schema_version",
       "\"1\""},
      // target
      {"target and stack together", scenario(R"("stack": {})"), "/stack", "exclude each other"},
      {"stack replicas min above max",
       R"({"schema_version": 1, "stack": {"replicas": {"min": 5, "max": 3}},
           "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/replicas/min", "must not exceed"},
      {"stack unknown key",
       R"({"schema_version": 1, "stack": {"autoscale": true}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/autoscale", "unknown key"},
      {"stack fpm_children zero",
       R"({"schema_version": 1, "stack": {"fpm_children": 0}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/fpm_children", "0"},
      {"stack tls unknown key",
       R"({"schema_version": 1, "stack": {"tls": {"redirects": true}}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/tls/redirects", "unknown key"},
      {"stack tls redirect not a boolean",
       R"({"schema_version": 1, "stack": {"tls": {"redirect": 1}}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/tls/redirect", "1"},
      {"stack limits rate zero",
       R"({"schema_version": 1, "stack": {"limits": {"rate": 0}}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/limits/rate", "0"},
      {"stack limits connections too many",
       R"({"schema_version": 1, "stack": {"limits": {"connections": 100001}}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/limits/connections", "100001"},
      {"stack limits not an object",
       R"({"schema_version": 1, "stack": {"limits": true}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/stack/limits", "true"},
      {"tls on the stack without stack.tls",
       R"({"schema_version": 1, "stack": {}, "tls": {"resume": false}, "steps": [{"users": 1, "duration": "1s"}]})",
       "/tls", "/stack/tls"},
      {"tls with stack.tls disabled",
       R"({"schema_version": 1, "stack": {"tls": {"enabled": false}}, "tls": {"resume": false},
           "steps": [{"users": 1, "duration": "1s"}]})",
       "/tls", "/stack/tls"},
      {"target ftp", scenario(R"("target": "ftp://h")"), "/target", "ftp://h"},
      {"tls on http", scenario(R"("tls": {"insecure": true})"), "/tls", "https://"},
      {"tls version", scenario(R"("target": "https://h", "tls": {"min_version": "1.4"})"),
       "/tls/min_version", "1.4"},
      {"tls versions crossed",
       scenario(R"("target": "https://h", "tls": {"min_version": "1.3", "max_version": "1.2"})"),
       "/tls/min_version", "above /tls/max_version"},
      {"tls cert without key", scenario(R"("target": "https://h", "tls": {"cert": "c.pem"})"),
       "/tls/cert", "/tls/key"},
      {"tls empty file", scenario(R"("target": "https://h", "tls": {"ca_file": ""})"),
       "/tls/ca_file", "must name a file"},
      {"keepalive not a boolean", scenario(R"("keepalive": "no")"), "/keepalive", "\"no\""},
      {"target without scheme", scenario(R"("target": "h:80")"), "/target", "h:80"},
      {"target with port 0", scenario(R"("target": "http://h:0")"), "/target", "http://h:0"},
      {"target not a string", scenario(R"("target": 8080)"), "/target", "8080"},
      // wrong types and values at the top level
      {"name not a string", scenario(R"("name": 5)"), "/name", "5"},
      {"arrival unknown", scenario(R"("arrival": "burst")"), "/arrival", "burst"},
      {"arrival not a string", scenario(R"("arrival": 1)"), "/arrival", "1"},
      {"rate_per_user without unit", scenario(R"("rate_per_user": "10")"), "/rate_per_user",
       "\"10\""},
      {"rate_per_user negative", scenario(R"("rate_per_user": "-1/s")"), "/rate_per_user", "-1/s"},
      {"rate_per_user bad unit", scenario(R"("rate_per_user": "5/day")"), "/rate_per_user",
       "5/day"},
      {"rate_per_user a number", scenario(R"("rate_per_user": 10)"), "/rate_per_user", "10"},
      {"timeout zero", scenario(R"("timeout": "0s")"), "/timeout", "0s"},
      {"timeout too long", scenario(R"("timeout": "101s")"), "/timeout", "101s"},
      {"timeout without unit", scenario(R"("timeout": "5")"), "/timeout", "\"5\""},
      {"timeout a number", scenario(R"("timeout": 5)"), "/timeout", "5"},
      {"connections zero", scenario(R"("connections": 0)"), "/connections", "0"},
      {"threads too many", scenario(R"("threads": 1000)"), "/threads", "1000"},
      {"seed negative", scenario(R"("seed": -1)"), "/seed", "-1"},
      // requests
      {"requests not an array", scenario("", R"([{"users": 1, "duration": "1s"}])", "{}"),
       "/requests", "{}"},
      {"requests empty", scenario("", R"([{"users": 1, "duration": "1s"}])", "[]"), "/requests",
       "[]"},
      {"request not an object", scenario("", R"([{"users": 1, "duration": "1s"}])", R"(["/x"])"),
       "/requests/0", "\"/x\""},
      {"request path missing",
       scenario("", R"([{"users": 1, "duration": "1s"}])", R"([{"method": "GET"}])"),
       "/requests/0/path", "missing"},
      {"request path not a string",
       scenario("", R"([{"users": 1, "duration": "1s"}])", R"([{"path": ["/"]}])"),
       "/requests/0/path", "[\"/\"]"},
      {"request method a number",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("method": 1)")),
       "/requests/0/method", "1"},
      {"request weight zero",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("weight": 0)")),
       "/requests/0/weight", "0"},
      {"request weight a string",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("weight": "2")")),
       "/requests/0/weight", "\"2\""},
      {"request weight fractional",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("weight": 1.5)")),
       "/requests/0/weight", "1.5"},
      {"request headers not an object",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("headers": ["a"])")),
       "/requests/0/headers", "[\"a\"]"},
      {"request header value a number",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("headers": {"X-A": 7})")),
       "/requests/0/headers/X-A", "7"},
      {"request body not a string",
       scenario("", R"([{"users": 1, "duration": "1s"}])", request(R"("body": {"a": 1})")),
       "/requests/0/body", "{\"a\":1}"},
      // steps
      {"steps missing", R"({"schema_version": 1, "target": "http://h"})", "/steps", "missing"},
      {"steps empty", scenario("", "[]"), "/steps", "[]"},
      {"steps not an array", scenario("", R"({"users": 1})"), "/steps", "{\"users\":1}"},
      {"step not an object", scenario("", "[5]"), "/steps/0", "5"},
      {"users negative", scenario("", R"([{"users": -1, "duration": "1s"}])"), "/steps/0/users",
       "-1"},
      {"users fractional", scenario("", R"([{"users": 2.5, "duration": "1s"}])"), "/steps/0/users",
       "2.5"},
      {"users a string", scenario("", R"([{"users": "10", "duration": "1s"}])"), "/steps/0/users",
       "\"10\""},
      {"users too many", scenario("", R"([{"users": 1000001, "duration": "1s"}])"),
       "/steps/0/users", "1000001"},
      {"neither users nor rate", scenario("", R"([{"duration": "1s"}])"), "/steps/0",
       "{\"duration\":\"1s\"}"},
      {"both users and rate", scenario("", R"([{"users": 1, "rate": "5/s", "duration": "1s"}])"),
       "/steps/0", "\"rate\":\"5/s\""},
      {"step rate malformed", scenario("", R"([{"rate": "fast", "duration": "1s"}])"),
       "/steps/0/rate", "fast"},
      {"duration missing", scenario("", R"([{"users": 1}])"), "/steps/0/duration", "missing"},
      {"duration a number", scenario("", R"([{"users": 1, "duration": 60}])"), "/steps/0/duration",
       "60"},
      {"duration without unit", scenario("", R"([{"users": 1, "duration": "60"}])"),
       "/steps/0/duration", "\"60\""},
      {"duration unknown unit", scenario("", R"([{"users": 1, "duration": "10sec"}])"),
       "/steps/0/duration", "10sec"},
      {"duration negative", scenario("", R"([{"users": 1, "duration": "-5s"}])"),
       "/steps/0/duration", "-5s"},
      {"duration zero", scenario("", R"([{"users": 1, "duration": "0s"}])"), "/steps/0/duration",
       "0s"},
      {"ramp malformed", scenario("", step(R"("ramp": "soon")")), "/steps/0/ramp", "soon"},
      {"warmup not a boolean", scenario("", step(R"("warmup": "yes")")), "/steps/0/warmup",
       "\"yes\""},
  }));
  CAPTURE(what, text);
  const auto got = lg::scenarios::parse_scenario(text, kFile);
  REQUIRE_FALSE(got.has_value());
  const auto& e = got.error();
  INFO(e.to_string());
  CHECK(e.file == kFile);
  REQUIRE(e.errors.size() == 1);  // one problem, one error: no follow-on noise
  CHECK(e.errors[0].pointer == pointer);
  CHECK_THAT(e.errors[0].message, Contains(shows));
  CHECK(e.to_string() == std::string(kFile) + ": " + pointer + ": " + e.errors[0].message + "\n");
}

TEST_CASE("scenario: the accepted values are named in the message", "[scenario]") {
  auto [text, accepted] = GENERATE(table<std::string, std::string>({
      {scenario(R"("colour": "red")"), "accepted keys: "},
      {scenario(R"("arrival": "burst")"), "\"constant\", \"poisson\""},
      {scenario("", R"([{"users": 1, "duration": "10sec"}])"), "\"250ms\""},
      {scenario(R"("rate_per_user": "5/day")"), "\"1500/s\""},
      {scenario(R"("target": "ftp://h")"), "https://HOST[:PORT][/PATH]"},
      {scenario(R"("target": "https://h", "tls": {"max_version": "3"})"), "\"1.2\", \"1.3\""},
      {scenario("", R"([{"users": -1, "duration": "1s"}])"), "[0, 1000000]"},
  }));
  CAPTURE(text);
  const auto got = lg::scenarios::parse_scenario(text, kFile);
  REQUIRE_FALSE(got.has_value());
  REQUIRE(got.error().errors.size() == 1);
  CHECK_THAT(got.error().errors[0].message, Contains(accepted));
}

TEST_CASE("scenario: all errors of a file are reported at once", "[scenario]") {
  const auto got = lg::scenarios::parse_scenario(
      scenario(R"("colour": "red")", R"([{"users": -1, "duration": "1s"},
                                          {"users": 2, "duration": "abc"}])"),
      kFile);
  REQUIRE_FALSE(got.has_value());
  const auto& e = got.error();
  INFO(e.to_string());
  CHECK(pointers(e) == Strings{"/colour", "/steps/0/users", "/steps/1/duration"});
  // One line per error, each naming the file, the pointer and the bad value.
  const auto text = e.to_string();
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK_THAT(text, Contains(std::string(kFile) + ": /colour: ") && Contains("\"colour\""));
  CHECK_THAT(text, Contains(std::string(kFile) + ": /steps/0/users: ") && Contains("-1"));
  CHECK_THAT(text, Contains(std::string(kFile) + ": /steps/1/duration: ") && Contains("abc"));
}

TEST_CASE("scenario: without a target, the embedded stack is used", "[scenario]") {
  const auto got = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "stack": {"replicas": {"min": 3, "max": 6}, "fpm_children": 8},
          "steps": [{"users": 1, "duration": "1s"}]})",
      kFile);
  REQUIRE(got.has_value());
  CHECK(got->stack.has_value());
  CHECK(got->stack->min_replicas == 3);
  CHECK(got->stack->max_replicas == 6);
  CHECK(got->stack->fpm_children == 8);
  const auto with_target = lg::scenarios::parse_scenario(scenario(""), kFile);
  REQUIRE(with_target.has_value());
  CHECK_FALSE(with_target->stack.has_value());
}

TEST_CASE("scenario: errors in several places and levels all come out", "[scenario]") {
  const auto got = lg::scenarios::parse_scenario(
      R"({"schema_version": 3, "target": "ftp://h", "requests": [{"verb": "GET"}],
          "arrival": "burst", "steps": [{"users": 1, "duration": "1s", "ramp": 2}]})",
      kFile);
  REQUIRE_FALSE(got.has_value());
  INFO(got.error().to_string());
  CHECK(pointers(got.error()) == Strings{"/arrival", "/requests/0/path", "/requests/0/verb",
                                         "/schema_version", "/steps/0/ramp", "/target"});
}

TEST_CASE("scenario: invalid JSON is reported with its position", "[scenario]") {
  const auto got =
      lg::scenarios::parse_scenario("{\n  \"schema_version\": 1,\n  \"name\": ,\n}", kFile);
  REQUIRE_FALSE(got.has_value());
  const auto& e = got.error();
  CHECK(e.file == kFile);
  REQUIRE(e.errors.size() == 1);
  CHECK_THAT(e.errors[0].message, Contains("not valid JSON"));
  CHECK_THAT(e.errors[0].message, Contains("line 3"));
  CHECK_THAT(e.to_string(), StartsWith(std::string(kFile) + ": /: "));
}

TEST_CASE("scenario: a document that is not an object is an error", "[scenario]") {
  auto text = GENERATE(as<std::string>{}, "[]", "1", "\"steps\"", "null");
  CAPTURE(text);
  const auto got = lg::scenarios::parse_scenario(text, kFile);
  REQUIRE_FALSE(got.has_value());
  REQUIRE(got.error().errors.size() == 1);
  CHECK_THAT(got.error().errors[0].message, Contains("object"));
}

TEST_CASE("scenario: the invalid-steps fixture gives its three errors", "[scenario]") {
  const std::filesystem::path path = "tests/data/scenarios/invalid-steps.json";
  REQUIRE(std::filesystem::exists(path));
  const auto got = lg::scenarios::load_scenario(path);
  REQUIRE_FALSE(got.has_value());
  INFO(got.error().to_string());
  CHECK(got.error().file == path.string());
  CHECK(pointers(got.error()) == Strings{"/steps/0/duration", "/steps/1/speed", "/steps/1/users"});
}

TEST_CASE("scenario: a missing file is an error naming it", "[scenario]") {
  const auto got = lg::scenarios::load_scenario("tests/data/scenarios/no-such-file.json");
  REQUIRE_FALSE(got.has_value());
  CHECK_THAT(got.error().to_string(), Contains("no-such-file.json"));
}

TEST_CASE("scenario: every shipped scenario file loads without errors", "[scenario]") {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator("scenarios")) {
    // schema.json describes the format (schema_test.cpp); it is not a scenario.
    if (entry.path().filename() == "schema.json") continue;
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    CAPTURE(f.string());
    const auto got = lg::scenarios::load_scenario(f);
    INFO((got ? std::string() : got.error().to_string()));
    CHECK(got.has_value());
    if (got) CHECK_FALSE(got->run.steps.empty());
  }
}

TEST_CASE("scenario: tls and keepalive are read, files relative to the scenario's folder",
          "[scenario]") {
  const auto text = scenario(
      R"("target": "https://example.test:8443", "keepalive": false,
         "tls": {"server_name": "api.example.test", "insecure": true, "ca_file": "certs/ca.pem",
                 "cert": "/abs/client.pem", "key": "client.key", "min_version": "1.2",
                 "max_version": "1.3", "resume": false})");
  const auto got = lg::scenarios::parse_scenario(text, "/etc/loadgen/s.json");
  INFO((got ? std::string() : got.error().to_string()));
  REQUIRE(got.has_value());
  const auto& p = got->run;
  CHECK(p.target.tls);
  CHECK(p.target.port == 8443);
  CHECK_FALSE(p.keepalive);
  CHECK(p.tls.server_name == "api.example.test");
  CHECK(p.tls.insecure);
  CHECK(p.tls.ca_file == "/etc/loadgen/certs/ca.pem");
  CHECK(p.tls.cert_file == "/abs/client.pem");
  CHECK(p.tls.key_file == "/etc/loadgen/client.key");
  CHECK(p.tls.min_version == lg::TlsVersion::k1_2);
  CHECK(p.tls.max_version == lg::TlsVersion::k1_3);
  CHECK_FALSE(p.tls.resume);
  // The defaults: keep-alive, verification on, resumption on.
  const auto plain = lg::scenarios::parse_scenario(scenario(R"("target": "https://h")"), "s.json");
  REQUIRE(plain.has_value());
  CHECK(plain->run.keepalive);
  CHECK_FALSE(plain->run.tls.insecure);
  CHECK(plain->run.tls.resume);
  CHECK(plain->run.target.port == 443);
}

TEST_CASE("scenario: stack.tls and stack.limits, their defaults, and /tls on the stack",
          "[scenario]") {
  const auto on = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "stack": {"tls": {}, "limits": {"rate": 7}},
          "tls": {"resume": false}, "steps": [{"users": 1, "duration": "1s"}]})",
      "s.json");
  INFO((on ? std::string() : on.error().to_string()));
  REQUIRE(on.has_value());
  REQUIRE(on->stack.has_value());
  CHECK(on->stack->tls.enabled);
  CHECK_FALSE(on->stack->tls.redirect);
  CHECK(on->stack->limits.enabled);
  CHECK(on->stack->limits.rate == 7);
  CHECK(on->stack->limits.burst == 20);  // the defaults fill what is not given
  CHECK(on->stack->limits.ceiling == 100);
  CHECK(on->stack->limits.connections == 10);
  CHECK_FALSE(on->run.tls.resume);  // /tls applies to the stack's HTTPS frontend

  const auto off = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "stack": {"tls": {"enabled": false, "redirect": true},
          "limits": {"enabled": false}}, "steps": [{"users": 1, "duration": "1s"}]})",
      "s.json");
  REQUIRE(off.has_value());
  CHECK_FALSE(off->stack->tls.enabled);
  CHECK_FALSE(off->stack->tls.redirect);  // disabled is as if absent: no redirect either
  CHECK_FALSE(off->stack->limits.enabled);
  const auto none = lg::scenarios::parse_scenario(
      R"({"schema_version": 1, "stack": {}, "steps": [{"users": 1, "duration": "1s"}]})", "s.json");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->stack->tls.enabled);
  CHECK_FALSE(none->stack->limits.enabled);
}
