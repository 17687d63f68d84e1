// The SLO parser (grammar in slo.h); checks, names and formatting are in slo_names.cpp.
#include "validators/slo.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "validators/slo_detail.h"

namespace lg::validators {
namespace {

using detail::error_kinds_accepted;
using detail::Family;
using detail::family_of;
using detail::fmt_number;
using detail::kMetrics;

constexpr std::string_view kMetricsAccepted =
    "latency.<agg>, service.<agg>, lag.<agg>, or <agg> alone for latency (<agg>: p<N>, p(<N>), "
    "median, max, min, mean, avg), error_rate, late_rate, dropped_rate, errors, "
    "errors.<kind>, dropped, late, rps, replicas, replicas.min, replicas.max, replicas.mean, "
    "scale_gap, scale_gap.min, scale_gap.max, scale_gap.mean, scale_errors, balance, unhealthy, "
    "unhealthy.max, recovers within T of fault N, errors during fault N, replaced within T of "
    "fault N";
constexpr std::string_view kOpsAccepted = "<, <=, >, >=, ==, !=, within [LOW, HIGH]";
constexpr std::string_view kFaultAccepted = "fault N with N >= 1, e.g. fault 1";

bool fault_time(Metric m) {
  return m == Metric::kRecovers || m == Metric::kReplaced;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// A recursive-descent parser over the trimmed text; every error carries its column.
class Parser {
 public:
  explicit Parser(std::string text) : s_(std::move(text)) {}

  std::expected<Slo, std::string> run() {
    Slo slo;
    slo.text = s_;
    if (s_.empty()) return fail(0, "the expression is empty", "METRIC OP VALUE, e.g. p95 < 1s");
    if (auto r = selector(slo); !r) return std::unexpected(r.error());
    skip_ws();
    if (fault_time(slo.metric)) {
      if (auto r = fault_within(slo); !r) return std::unexpected(r.error());
    } else if (auto r = comparison(slo); !r) {
      return std::unexpected(r.error());
    }
    skip_ws();
    if (i_ != s_.size())
      return fail(i_, "unexpected " + quoted(s_.substr(i_)) + " after the value",
                  "nothing after the value");
    if (auto r = check_slo(slo); !r) return fail(0, r.error(), "");
    return slo;
  }

 private:
  std::unexpected<std::string> fail(std::size_t pos, const std::string& what,
                                    std::string_view accepted) const {
    std::string m = "SLO " + quoted(s_) + ": at column " + std::to_string(pos + 1) + ": " + what;
    if (!accepted.empty()) m += "; accepted: " + std::string(accepted);
    return std::unexpected(m);
  }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  std::string_view word() {
    const std::size_t b = i_;
    while (i_ < s_.size() && is_word_char(s_[i_])) ++i_;
    return std::string_view(s_).substr(b, i_ - b);
  }

  std::expected<double, std::string> number(std::string_view what) {
    const std::size_t b = i_;
    while (i_ < s_.size() && (is_digit(s_[i_]) || s_[i_] == '.')) ++i_;
    const std::string_view t = std::string_view(s_).substr(b, i_ - b);
    double v = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
      i_ = b;
      return fail(b, "expected " + std::string(what) + " at " + quoted(s_.substr(b)),
                  "a non-negative decimal number such as 95, 99.9 or .5");
    }
    return v;
  }

  // aggregation = percentile | "median" | "max" | "min" | "mean" | "avg"
  std::expected<Aggregation, std::string> aggregation(Metric m) {
    const std::size_t b = i_;
    if (i_ + 1 < s_.size() && s_[i_] == 'p' && (s_[i_ + 1] == '(' || is_digit(s_[i_ + 1]))) {
      const bool paren = s_[++i_] == '(';
      if (paren) ++i_;
      auto v = number("a percentile");
      if (!v) return std::unexpected(v.error());
      if (!paren && i_ < s_.size() && is_word_char(s_[i_])) {
        i_ = b;
        return fail(b,
                    "unknown aggregation " + quoted(word()) + " for " + std::string(metric_name(m)),
                    accepted_aggregations(m));
      }
      if (paren) {
        if (i_ >= s_.size() || s_[i_] != ')')
          return fail(i_, "expected \")\" to close the percentile", "p(<N>) such as p(99.9)");
        ++i_;
      }
      if (*v > 100) return fail(b, "percentile " + fmt_number(*v) + " is above 100", "0..100");
      return Aggregation{AggKind::kPercentile, *v};
    }
    const std::string_view w = word();
    if (w == "median") return Aggregation{AggKind::kPercentile, 50};
    if (w == "max") return Aggregation{AggKind::kMax, 0};
    if (w == "min") return Aggregation{AggKind::kMin, 0};
    if (w == "mean" || w == "avg") return Aggregation{AggKind::kMean, 0};
    return fail(b, "unknown aggregation " + quoted(w) + " for " + std::string(metric_name(m)),
                accepted_aggregations(m));
  }

  // selector = aggregation | time_metric ["." aggregation] | "errors" ["." kind] | ...
  std::expected<void, std::string> selector(Slo& slo) {
    const std::size_t b = i_;
    const std::string_view w = word();
    const Metric* found = nullptr;
    for (const auto& [name, m] : kMetrics)
      if (name == w) found = &m;
    if (found == nullptr) {
      i_ = b;
      if (w == "p" || w == "median" || w == "max" || w == "min" || w == "mean" || w == "avg" ||
          (w.size() > 1 && w[0] == 'p' && is_digit(w[1]))) {
        slo.metric = Metric::kLatency;
        auto a = aggregation(Metric::kLatency);
        if (!a) return std::unexpected(a.error());
        slo.agg = *a;
        return {};
      }
      return fail(b, w.empty() ? "expected a metric" : "unknown metric " + quoted(w),
                  kMetricsAccepted);
    }
    slo.metric = *found;
    const bool dotted = i_ < s_.size() && s_[i_] == '.';
    if (fault_time(slo.metric)) {
      if (dotted)
        return fail(i_, std::string(w) + " takes no aggregation",
                    std::string(w) + " within DURATION of fault N");
      slo.agg = {AggKind::kRate, 0};
      return {};
    }
    if (slo.metric == Metric::kErrors && !dotted) {
      if (auto r = during_fault(slo); !r) return r;
      if (slo.metric == Metric::kFaultErrors) return {};
    }
    if (dotted) ++i_;
    switch (family_of(slo.metric)) {
      case Family::kTime: {
        if (!dotted && detail::default_time_agg(slo.metric)) {
          slo.agg = {*detail::default_time_agg(slo.metric), 0};
          return {};
        }
        if (!dotted)
          return fail(i_,
                      std::string(w) + " needs an aggregation (e.g. " + std::string(w) + ".p95)",
                      accepted_aggregations(slo.metric));
        auto a = aggregation(slo.metric);
        if (!a) return std::unexpected(a.error());
        slo.agg = *a;
        return {};
      }
      case Family::kFraction:
      case Family::kRps:
      case Family::kRatio:
        slo.agg = {AggKind::kRate, 0};
        break;
      case Family::kCount:
        slo.agg = {AggKind::kCount, 0};
        break;
      case Family::kReplicas:
        slo.agg = {AggKind::kEach, 0};
        break;
    }
    if (!dotted) return {};
    const std::size_t sb = i_;
    if (slo.metric == Metric::kErrors) {
      const std::string_view k = word();
      for (std::size_t n = 0; n < kErrorKinds; ++n) {
        if (error_kind_name(static_cast<ErrorKind>(n)) == k) {
          slo.error_kind = static_cast<ErrorKind>(n);
          skip_ws();
          const std::size_t db = i_;
          if (word() == "during")
            return fail(db,
                        "\"errors during fault N\" counts every kind of failure (its share of "
                        "the arrivals); it names no error kind",
                        "errors during fault N OP FRACTION, e.g. errors during fault 1 < 5%");
          i_ = db;
          return {};
        }
      }
      return fail(sb, "unknown error kind " + quoted(k), error_kinds_accepted());
    }
    auto a = aggregation(slo.metric);
    if (!a) return std::unexpected(a.error());
    slo.agg = *a;
    if (auto r = check_slo(slo); !r)
      return fail(sb,
                  "aggregation " + quoted(aggregation_name(*a)) + " does not suit " +
                      std::string(metric_name(slo.metric)),
                  accepted_aggregations(slo.metric));
    return {};
  }

  // A number and the unit written right after it ("" when none).
  struct Quantity {
    double v = 0;
    std::string unit;
    std::size_t at = 0;       // where the number starts
    std::size_t unit_at = 0;  // where the unit starts
  };
  std::expected<Quantity, std::string> quantity() {
    Quantity q;
    q.at = i_;
    auto v = number("a value");
    if (!v) return std::unexpected(v.error());
    q.v = *v;
    q.unit_at = i_;
    if (i_ < s_.size() && s_[i_] == '%') {
      q.unit = "%";
      ++i_;
      return q;
    }
    if (i_ < s_.size() && s_[i_] == '/') q.unit = s_[i_++];
    q.unit += word();
    if (s_.compare(i_, 3, "\u00b5s") == 0 && q.unit.empty()) {
      q.unit = "us";
      i_ += 3;
    }
    return q;
  }

  // A time in ms; no unit means ms.
  std::expected<double, std::string> time_ms(const Quantity& q, std::string_view what) {
    const double v = q.v;
    if (q.unit.empty() || q.unit == "ms") return v;
    if (q.unit == "ns") return v / 1e6;
    if (q.unit == "us") return v / 1e3;
    if (q.unit == "s") return v * 1e3;
    if (q.unit == "m" || q.unit == "min") return v * 6e4;
    if (q.unit == "h") return v * 3.6e6;
    return fail(q.unit_at, "unit " + quoted(q.unit) + " does not suit " + std::string(what),
                "ns, us, ms, s, m, min, h, or none for ms");
  }

  std::expected<double, std::string> value(const Slo& slo) {
    auto q = quantity();
    if (!q) return std::unexpected(q.error());
    const double* v = &q->v;
    const std::size_t b = q->at, ub = q->unit_at;
    const std::string& unit = q->unit;
    const std::string name(metric_name(slo.metric));
    switch (family_of(slo.metric)) {
      case Family::kTime:
        return time_ms(*q, name + " (a time)");
      case Family::kRatio:
        if (!unit.empty())
          return fail(ub, "unit " + quoted(unit) + " does not suit " + name + " (a ratio)",
                      "a plain number >= 1 such as 1.5");
        return *v;
      case Family::kFraction:
        if (unit == "%") {
          if (*v > 100) return fail(b, fmt_number(*v) + "% is above 100%", "0% .. 100%");
          return *v / 100;
        }
        if (!unit.empty())
          return fail(ub, "unit " + quoted(unit) + " does not suit " + name + " (a fraction)",
                      "a percentage such as 5%, or a fraction 0..1 such as 0.05");
        if (*v > 1)
          return fail(b, "fraction " + fmt_number(*v) + " is above 1",
                      "a percentage such as 5%, or a fraction 0..1 such as 0.05");
        return *v;
      case Family::kRps:
        if (unit.empty() || unit == "/s") return *v;
        if (unit == "/m" || unit == "/min") return *v / 60;
        if (unit == "/h") return *v / 3600;
        return fail(ub, "unit " + quoted(unit) + " does not suit rps (a rate)",
                    "/s, /m, /min, /h, or none for /s");
      case Family::kCount:
      case Family::kReplicas:
        if (!unit.empty())
          return fail(ub, "unit " + quoted(unit) + " does not suit " + name + " (a number)",
                      "a plain number");
        if (slo.agg.kind != AggKind::kMean && std::floor(*v) != *v)
          return fail(b, name + " is a whole number, not " + fmt_number(*v), "a whole number");
        return *v;
    }
    return *v;
  }

  std::expected<void, std::string> comparison(Slo& slo) {
    const std::size_t b = i_;
    for (const auto& [t, op] : detail::kOps) {
      if (s_.compare(i_, t.size(), t) == 0) {
        i_ += t.size();
        slo.op = op;
        skip_ws();
        auto v = value(slo);
        if (!v) return std::unexpected(v.error());
        slo.limit = *v;
        return deadline(slo);
      }
    }
    if (word() != "within") {
      i_ = b;
      return fail(b,
                  b == s_.size() ? "expected an operator"
                                 : "expected an operator at " + quoted(s_.substr(b)),
                  kOpsAccepted);
    }
    slo.op = Op::kWithin;
    auto expect = [&](char c, std::string_view what) -> std::expected<void, std::string> {
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != c)
        return fail(i_, std::string("expected \"") + c + "\" " + std::string(what),
                    "within [LOW, HIGH]");
      ++i_;
      skip_ws();
      return {};
    };
    if (auto r = expect('[', "after within"); !r) return r;
    auto lo = value(slo);
    if (!lo) return std::unexpected(lo.error());
    if (auto r = expect(',', "between the bounds"); !r) return r;
    const std::size_t hb = i_;
    auto hi = value(slo);
    if (!hi) return std::unexpected(hi.error());
    if (auto r = expect(']', "after the bounds"); !r) return r;
    if (*hi < *lo)
      return fail(
          hb, "the high bound " + fmt_number(*hi) + " is below the low bound " + fmt_number(*lo),
          "within [LOW, HIGH] with LOW <= HIGH");
    slo.limit = *lo;
    slo.limit_high = *hi;
    return {};
  }

  // deadline = "within" value "of" "step" digits  (after a comparison; replicas only)
  std::expected<void, std::string> deadline(Slo& slo) {
    skip_ws();
    const std::size_t b = i_;
    if (word() != "within") {
      i_ = b;
      return {};
    }
    constexpr std::string_view kForm = "within DURATION of step N, e.g. within 90s of step 5";
    if (slo.metric != Metric::kReplicas || slo.agg.kind != AggKind::kEach)
      return fail(b, "\"within ... of step N\" applies to replicas (every second's reading) only",
                  "replicas OP N within DURATION of step N");
    skip_ws();
    auto q = quantity();
    if (!q) return std::unexpected(q.error());
    auto ms = time_ms(*q, "the deadline (a time)");
    if (!ms) return std::unexpected(ms.error());
    if (*ms <= 0) return fail(q->at, "the deadline must be longer than 0", kForm);
    skip_ws();
    const std::size_t ob = i_;
    if (word() != "of") return fail(ob, "expected \"of\" after the deadline", kForm);
    skip_ws();
    const std::size_t sb = i_;
    if (word() != "step") return fail(sb, "expected \"step\" after \"of\"", kForm);
    skip_ws();
    const std::size_t nb = i_;
    const std::string_view digits = word();
    std::uint32_t n = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || n == 0)
      return fail(nb, "expected a step number (1 is the first step)", kForm);
    slo.deadline = Deadline{*ms, n};
    return {};
  }

  // fault = "fault" digits, after `of` or `during`: the fault's 1-based number into slo.fault.
  std::expected<void, std::string> fault_number(Slo& slo, std::string_view form) {
    skip_ws();
    const std::size_t fb = i_;
    if (word() != "fault") return fail(fb, "expected \"fault\"", form);
    skip_ws();
    const std::size_t nb = i_;
    const std::string_view digits = word();
    std::uint32_t n = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size())
      return fail(nb, "expected a fault number (1 is the scenario's first fault)", kFaultAccepted);
    if (n == 0)
      return fail(nb, "faults count from 1 (1 is the scenario's first fault)", kFaultAccepted);
    slo.fault = n;
    return {};
  }

  // After "errors": "during" fault makes it errors during fault N (else nothing is read).
  std::expected<void, std::string> during_fault(Slo& slo) {
    const std::size_t b = i_;
    skip_ws();
    if (word() != "during") {
      i_ = b;
      return {};
    }
    slo.metric = Metric::kFaultErrors;
    slo.agg = {AggKind::kRate, 0};
    return fault_number(slo, "errors during fault N OP FRACTION, e.g. errors during fault 1 < 5%");
  }

  // "within" value "of" fault, after "recovers" or "replaced"; the time becomes the limit.
  std::expected<void, std::string> fault_within(Slo& slo) {
    const std::string name(metric_name(slo.metric));
    const std::string form =
        name + " within DURATION of fault N, e.g. " + name + " within 15s of fault 1";
    const std::size_t b = i_;
    if (word() != "within")
      return fail(b,
                  b == s_.size() ? "expected \"within\" after " + name
                                 : "expected \"within\" at " + quoted(s_.substr(b)),
                  form);
    skip_ws();
    auto q = quantity();
    if (!q) return std::unexpected(q.error());
    auto ms = time_ms(*q, "the time limit of " + name + " (a time)");
    if (!ms) return std::unexpected(ms.error());
    skip_ws();
    const std::size_t ob = i_;
    if (word() != "of") return fail(ob, "expected \"of\" after the time limit", form);
    if (auto r = fault_number(slo, form); !r) return r;
    slo.op = Op::kLessEqual;
    slo.limit = *ms;
    return {};
  }

  std::string s_;
  std::size_t i_ = 0;
};

}  // namespace

std::expected<Slo, std::string> parse_slo(std::string_view text) {
  auto expr = trim(text);
  Scope scope = Scope::kBoth;
  for (const auto& [prefix, which] :
       {std::pair{"run:", Scope::kRun}, {"steps:", Scope::kPerStep}}) {
    if (expr.starts_with(prefix)) {
      expr = trim(std::string_view(expr).substr(std::string_view(prefix).size()));
      scope = which;
      break;
    }
  }
  auto slo = Parser(std::move(expr)).run();
  if (slo) slo->scope = scope;
  return slo;
}

std::string slo_source(const Slo& slo) {
  switch (slo.scope) {
    case Scope::kRun:
      return "run: " + slo.text;
    case Scope::kPerStep:
      return "steps: " + slo.text;
    case Scope::kBoth:
      break;
  }
  return slo.text;
}

std::expected<std::vector<Slo>, std::vector<std::string>> parse_slos(
    const std::vector<std::string>& texts) {
  std::vector<Slo> out;
  std::vector<std::string> errors;
  for (const auto& t : texts) {
    auto s = parse_slo(t);
    if (s)
      out.push_back(std::move(*s));
    else
      errors.push_back(std::move(s.error()));
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return out;
}

}  // namespace lg::validators
