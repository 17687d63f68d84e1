// A scenario's "stack"/"autoscaler" object, read through the knob table
// (stack/model/autoscaler_knobs.h): each key into its knob, in its kind's form, and the knobs
// as the flags loadgen-autoscaler is started with.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "scenarios/scenario_loader.h"

namespace {

std::string with_autoscaler(const std::string& autoscaler) {
  return R"({"schema_version": 1, "steps": [{"users": 1, "duration": "1s"}], "stack": {
    "autoscaler": )" +
         autoscaler + "}}";
}

// The value after `flag` in `args`.
std::string after(const std::vector<std::string>& args, const std::string& flag) {
  const auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? std::string("(absent)") : *(it + 1);
}

}  // namespace

TEST_CASE("scenario autoscaler: keys into knobs, knobs into the autoscaler's flags",
          "[scenario][knobs]") {
  const auto sc = lg::scenarios::parse_scenario(with_autoscaler(R"({"algorithm": "predictive",
      "check_interval": "1500ms", "window": "4s", "cooldown": "2m",
      "scale_up": {"cpu": 55.5, "response_time": "2s"}, "scale_down": {"rps_per_replica": 7}})"),
                                                "x.json");
  INFO((sc ? std::string() : sc.error().to_string()));
  REQUIRE(sc.has_value());
  REQUIRE(sc->stack.has_value());
  CHECK(sc->stack->autoscaler_enabled);
  const auto& k = sc->stack->autoscaler;
  CHECK(k.algorithm == lg::Algorithm::kPredictive);
  CHECK(k.check_interval_s == 1.5);
  CHECK(k.cooldown_s == 120);
  CHECK(k.scale_up_response_ms == 2000);
  const auto args = k.to_args();
  CHECK(after(args, "--algorithm") == "predictive");
  CHECK(after(args, "--check-interval") == "1500ms");
  CHECK(after(args, "--window") == "4s");
  CHECK(after(args, "--cooldown") == "120s");
  CHECK(after(args, "--scale-up-cpu") == "55.5");
  CHECK(after(args, "--scale-up-response-ms") == "2000");
  CHECK(after(args, "--scale-down-rps") == "7");
  CHECK(after(args, "--horizon") == "(absent)");  // not a scenario's knob
}

TEST_CASE("scenario autoscaler: off, but its knobs are kept for result.json", "[scenario][knobs]") {
  const auto sc = lg::scenarios::parse_scenario(with_autoscaler(R"({"enabled": false, "factor": 2,
      "algorithm": "exponential"})"),
                                                "x.json");
  INFO((sc ? std::string() : sc.error().to_string()));
  REQUIRE(sc.has_value());
  CHECK_FALSE(sc->stack->autoscaler_enabled);
  CHECK(sc->stack->autoscaler.exponential_factor == 2);
}

TEST_CASE("scenario autoscaler: a group that is not an object, and a bad duration",
          "[scenario][knobs]") {
  const auto sc = lg::scenarios::parse_scenario(
      with_autoscaler(R"({"scale_up": 5, "cooldown": "0s"})"), "x.json");
  REQUIRE_FALSE(sc.has_value());
  const auto& e = sc.error().errors;
  REQUIRE(e.size() == 2);
  CHECK(e[0].pointer == "/stack/autoscaler/cooldown");
  CHECK(e[0].message == "must be greater than 0, got \"0s\"");
  CHECK(e[1].pointer == "/stack/autoscaler/scale_up");
  CHECK(e[1].message ==
        "expected an object {\"cpu\", \"rps_per_replica\", \"response_time\", \"error_rate\"}, "
        "got 5");
}
