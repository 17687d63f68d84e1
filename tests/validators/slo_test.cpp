// SLO grammar: table tests of good expressions (typed result) and bad ones (exact fragments).
#include "validators/slo.h"

#include <catch2/catch.hpp>

#include <string>

using Catch::Matchers::Contains;
using lg::validators::AggKind;
using lg::validators::Metric;
using lg::validators::Op;
using lg::validators::parse_slo;

TEST_CASE("slo: good expressions parse into typed values", "[slo]") {
  auto [text, metric, kind, pct, op, limit] =
      GENERATE(table<std::string, Metric, AggKind, double, Op, double>({
          {"p95 < 1s", Metric::kLatency, AggKind::kPercentile, 95, Op::kLess, 1000},
          {"p(99.9) <= 250ms", Metric::kLatency, AggKind::kPercentile, 99.9, Op::kLessEqual, 250},
          {"p99.9<250ms", Metric::kLatency, AggKind::kPercentile, 99.9, Op::kLess, 250},
          {"max < 2s", Metric::kLatency, AggKind::kMax, 0, Op::kLess, 2000},
          {"median < 100ms", Metric::kLatency, AggKind::kPercentile, 50, Op::kLess, 100},
          {"avg < 100", Metric::kLatency, AggKind::kMean, 0, Op::kLess, 100},
          {"latency.min > 500us", Metric::kLatency, AggKind::kMin, 0, Op::kGreater, 0.5},
          {"service.p95 < 500ms", Metric::kService, AggKind::kPercentile, 95, Op::kLess, 500},
          {"lag.p99 < 10ms", Metric::kLag, AggKind::kPercentile, 99, Op::kLess, 10},
          {"lag.max < 1m", Metric::kLag, AggKind::kMax, 0, Op::kLess, 60000},
          {"error_rate < 5%", Metric::kErrorRate, AggKind::kRate, 0, Op::kLess, 0.05},
          {"error_rate < 0.05", Metric::kErrorRate, AggKind::kRate, 0, Op::kLess, 0.05},
          {"late_rate < 1%", Metric::kLateRate, AggKind::kRate, 0, Op::kLess, 0.01},
          {"dropped_rate == 0", Metric::kDroppedRate, AggKind::kRate, 0, Op::kEqual, 0},
          {"errors.http_5xx == 0", Metric::kErrors, AggKind::kCount, 0, Op::kEqual, 0},
          {"errors != 3", Metric::kErrors, AggKind::kCount, 0, Op::kNotEqual, 3},
          {"dropped == 0", Metric::kDropped, AggKind::kCount, 0, Op::kEqual, 0},
          {"rps >= 100", Metric::kRps, AggKind::kRate, 0, Op::kGreaterEqual, 100},
          {"rps >= 6000/min", Metric::kRps, AggKind::kRate, 0, Op::kGreaterEqual, 100},
          {"replicas within [2, 10]", Metric::kReplicas, AggKind::kEach, 0, Op::kWithin, 2},
          {"replicas.max <= 10", Metric::kReplicas, AggKind::kMax, 0, Op::kLessEqual, 10},
          {"  p95   <   1.5s  ", Metric::kLatency, AggKind::kPercentile, 95, Op::kLess, 1500},
      }));
  CAPTURE(text);
  auto s = parse_slo(text);
  REQUIRE(s.has_value());
  CHECK(s->metric == metric);
  CHECK(s->agg.kind == kind);
  CHECK(s->agg.percentile == Approx(pct));
  CHECK(s->op == op);
  CHECK(s->limit == Approx(limit));
}

TEST_CASE("slo: within keeps both bounds and error kinds are typed", "[slo]") {
  auto r = parse_slo("replicas within [2,10]");
  REQUIRE(r.has_value());
  CHECK(r->limit == 2);
  CHECK(r->limit_high == 10);
  CHECK(lg::validators::format_limit(*r) == "within [2, 10]");
  auto e = parse_slo("errors.http_5xx == 0");
  REQUIRE(e.has_value());
  REQUIRE(e->error_kind.has_value());
  CHECK(*e->error_kind == lg::ErrorKind::kHttp5xx);
  CHECK(e->text == "errors.http_5xx == 0");
  CHECK_FALSE(parse_slo("errors == 0")->error_kind.has_value());
  // Every kind core counts can be named, the newest included.
  for (std::size_t n = 0; n < lg::kErrorKinds; ++n) {
    const auto kind = static_cast<lg::ErrorKind>(n);
    const auto k = parse_slo("errors." + std::string(lg::error_kind_name(kind)) + " > 0");
    REQUIRE(k.has_value());
    CHECK(*k->error_kind == kind);
  }
}

TEST_CASE("slo: bad expressions name the text, the column and what is accepted", "[slo]") {
  auto [text, fragment] = GENERATE(table<std::string, std::string>({
      {"", "SLO \"\": at column 1: the expression is empty"},
      {"p96x < 1s", "at column 1: unknown aggregation \"p96x\" for latency"},
      {"foo < 1s", "at column 1: unknown metric \"foo\"; accepted: latency.<agg>, service.<agg>"},
      {"error_rate.p95 < 5%",
       "at column 12: aggregation \"p95\" does not suit error_rate; accepted: none (it is a "
       "fraction already)"},
      {"rps.max > 1", "aggregation \"max\" does not suit rps; accepted: none (it is a rate"},
      {"replicas.p95 < 3",
       "aggregation \"p95\" does not suit replicas; accepted: none (every "
       "second's reading), min, max, mean"},
      {"latency < 1s", "at column 8: latency needs an aggregation (e.g. latency.p95)"},
      {"service.foo < 1s", "at column 9: unknown aggregation \"foo\" for service; accepted: p<N>"},
      {"errors.http_6xx == 0",
       "at column 8: unknown error kind \"http_6xx\"; accepted: connect, tls, "
       "timeout, read, write, parse, http_4xx, http_429, http_5xx"},
      {"p(101) < 1s", "at column 1: percentile 101 is above 100"},
      {"p(99 < 1s", "at column 5: expected \")\" to close the percentile"},
      {"p95 1s",
       "at column 5: expected an operator at \"1s\"; accepted: <, <=, >, >=, ==, !=, "
       "within"},
      {"p95", "at column 4: expected an operator; accepted"},
      {"p95 < fast", "at column 7: expected a value at \"fast\""},
      {"p95 < 1 s", "at column 9: unexpected \"s\" after the value"},
      {"p95 < 1kg", "at column 8: unit \"kg\" does not suit latency (a time); accepted: ns, us"},
      {"error_rate < 5", "at column 14: fraction 5 is above 1; accepted: a percentage such as 5%"},
      {"error_rate < 120%", "120% is above 100%"},
      {"error_rate < 5ms", "unit \"ms\" does not suit error_rate (a fraction)"},
      {"rps > 5ms", "at column 8: unit \"ms\" does not suit rps (a rate)"},
      {"dropped == 0.5", "dropped is a whole number, not 0.5"},
      {"replicas within [10, 2]", "the high bound 2 is below the low bound 10"},
      {"replicas within 2, 10", "expected \"[\" after within"},
      {"replicas within [2 10]", "expected \",\" between the bounds"},
      {"p95 < -1s", "at column 7: expected a value at \"-1s\""},
  }));
  CAPTURE(text);
  auto s = parse_slo(text);
  REQUIRE_FALSE(s.has_value());
  CHECK_THAT(s.error(), Contains(fragment));
  CHECK(s.error().rfind("SLO \"", 0) == 0);
}

TEST_CASE("slo: parse_slos returns every error, not just the first", "[slo]") {
  auto r = lg::validators::parse_slos({"p95 < 1s", "foo < 1", "error_rate.p95 < 1%"});
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().size() == 2);
  CHECK_THAT(r.error()[0], Contains("unknown metric \"foo\""));
  CHECK_THAT(r.error()[1], Contains("does not suit error_rate"));
  auto ok = lg::validators::parse_slos({"p95 < 1s", "rps >= 100"});
  REQUIRE(ok.has_value());
  CHECK(ok->size() == 2);
}

TEST_CASE("slo: check_slo refuses hand-built values that do not fit", "[slo]") {
  lg::validators::Slo s;
  s.metric = Metric::kErrorRate;
  s.agg = {AggKind::kPercentile, 95};
  s.text = "by hand";
  auto r = lg::validators::check_slo(s);
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error(), Contains("aggregation \"p95\" does not suit error_rate; accepted: none"));
  s.agg = {AggKind::kRate, 0};
  s.limit = 2;
  CHECK_THAT(lg::validators::check_slo(s).error(), Contains("is a fraction 0..1, not 2"));
  s.limit = 0.05;
  CHECK(lg::validators::check_slo(s).has_value());
  s.error_kind = lg::ErrorKind::kTimeout;
  CHECK_THAT(lg::validators::check_slo(s).error(), Contains("applies only to errors"));
}

TEST_CASE("slo: limits print in the metric's units", "[slo]") {
  using lg::validators::format_limit;
  CHECK(format_limit(*parse_slo("p95 < 1s")) == "< 1.00s");
  CHECK(format_limit(*parse_slo("error_rate < 5%")) == "< 5%");
  CHECK(format_limit(*parse_slo("rps >= 100")) == ">= 100/s");
  CHECK(format_limit(*parse_slo("dropped == 0")) == "== 0");
}
