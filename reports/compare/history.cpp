#include "reports/compare/history.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "reports/compare/compare_schedule.h"

namespace lg::reports {
namespace {

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Digit runs compare as numbers ("rc2" < "rc10"), everything else character by character.
bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      const auto ei = a.find_first_not_of("0123456789", i);
      const auto ej = b.find_first_not_of("0123456789", j);
      auto x = a.substr(i, ei == a.npos ? a.npos : ei - i);
      auto y = b.substr(j, ej == b.npos ? b.npos : ej - j);
      x.remove_prefix(std::min(x.find_first_not_of('0'), x.size()));
      y.remove_prefix(std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ei == a.npos ? a.size() : ei;
      j = ej == b.npos ? b.size() : ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// "1.10.0" -> {1, 10, 0} and the rest of the text; nullopt when it does not start with a number.
std::optional<std::vector<std::uint64_t>> leading_numbers(std::string_view& s) {
  std::vector<std::uint64_t> numbers;
  while (true) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{}) return std::nullopt;
    numbers.push_back(n);
    s.remove_prefix(static_cast<std::size_t>(end - s.data()));
    if (s.size() < 2 || s[0] != '.' || !is_digit(s[1])) return numbers;
    s.remove_prefix(1);
  }
}

int compare_numbers(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const auto x = i < a.size() ? a[i] : 0;  // missing numbers count as 0: 1.2 == 1.2.0
    const auto y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// The schedule most results share; ties go to the group holding the most recent run.
std::vector<std::size_t> majority(const std::vector<Release>& rs) {
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
      return schedule_differences(rs[g[0]].result.plan, rs[i].result.plan).empty();
    });
    if (same == groups.end())
      groups.push_back({i});
    else
      same->push_back(i);
  }
  const auto newest = [&](const std::vector<std::size_t>& g) {
    double t = 0;
    for (auto i : g) t = std::max(t, rs[i].result.started_unix_ms);
    return t;
  };
  std::vector<std::size_t> best;
  for (const auto& g : groups) {
    if (best.empty() || g.size() > best.size() ||
        (g.size() == best.size() && newest(g) > newest(best)))
      best = g;
  }
  return best;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Leaves out the results whose schedule differs from the majority's, each with a warning.
std::vector<Release> keep_comparable(std::vector<Release> rs, std::vector<std::string>& warnings) {
  const auto keep = majority(rs);
  if (keep.empty()) return {};
  const auto& ref = rs[keep[0]];
  std::vector<Release> out;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    if (std::find(keep.begin(), keep.end(), i) != keep.end()) continue;
    warnings.push_back(rs[i].file + ": skipped: not the same schedule as the other " +
                       std::to_string(keep.size()) + " result(s), e.g. " + ref.label +
                       " (theirs vs its): " +
                       join(schedule_differences(ref.result.plan, rs[i].result.plan), "; "));
  }
  for (auto i : keep) out.push_back(std::move(rs[i]));
  return out;
}

Trend trend_of(const std::vector<std::vector<ScopeValues>>& values, std::size_t scope, Metric m,
               const std::vector<std::string>& labels, const Tolerance& tol) {
  Trend t;
  t.scope = values[0][scope].scope;
  t.metric = m;
  for (const auto& release : values) t.values.push_back(release[scope][m]);
  t.changes.push_back(Change::kSame);
  for (std::size_t i = 1; i < t.values.size(); ++i) {
    t.changes.push_back(judge(m, t.values[i - 1], t.values[i], tol).change);
    if (!t.entered && t.changes.back() == Change::kWorse) t.entered = i;
  }
  if (!t.entered) return t;
  const std::size_t e = *t.entered;
  const auto& last_good = t.values[e - 1];
  for (std::size_t j = e + 1; j < t.values.size() && !t.recovered; ++j) {
    const Change c = judge(m, last_good, t.values[j], tol).change;
    if (c == Change::kSame || c == Change::kBetter) t.recovered = j;
  }
  t.entry_words =
      compare_metric(m, t.scope, last_good, t.values[e], tol, labels[e - 1], labels[e]).explanation;
  return t;
}

}  // namespace

std::optional<Version> parse_version(std::string_view label) {
  std::string_view s = label;
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  auto numbers = leading_numbers(s);
  if (!numbers) return std::nullopt;
  Version v{std::move(*numbers), "", ""};
  if (s.starts_with('-')) {
    const auto plus = s.find('+');
    v.pre_release = std::string(s.substr(1, plus == s.npos ? s.npos : plus - 1));
    if (v.pre_release.empty()) return std::nullopt;
    s.remove_prefix(plus == s.npos ? s.size() : plus);
  }
  if (s.starts_with('+')) {
    v.build = std::string(s.substr(1));
    if (v.build.empty()) return std::nullopt;
    s = {};
  }
  if (!s.empty()) return std::nullopt;
  return v;
}

bool version_less(const Version& a, const Version& b) {
  if (const int c = compare_numbers(a.numbers, b.numbers); c != 0) return c < 0;
  if (a.pre_release.empty() != b.pre_release.empty()) return !a.pre_release.empty();
  if (a.pre_release != b.pre_release) return natural_less(a.pre_release, b.pre_release);
  return natural_less(a.build, b.build);
}

ReleaseOrder order_releases(std::vector<Release>& releases) {
  const bool versions = std::all_of(releases.begin(), releases.end(), [](const Release& r) {
    return parse_version(r.label).has_value();
  });
  if (versions) {
    std::stable_sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) {
      const auto va = *parse_version(a.label), vb = *parse_version(b.label);
      if (version_less(va, vb) || version_less(vb, va)) return version_less(va, vb);
      return a.label < b.label;  // "1.2" and "1.2.0": any fixed order
    });
    return ReleaseOrder::kVersion;
  }
  std::stable_sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) {
    if (a.result.started_unix_ms != b.result.started_unix_ms)
      return a.result.started_unix_ms < b.result.started_unix_ms;
    return a.label < b.label;
  });
  return ReleaseOrder::kStartedAt;
}

std::vector<const Trend*> History::newest_regressions() const {
  std::vector<const Trend*> out;
  for (const auto& t : trends)
    if (t.changes.size() >= 2 && t.changes.back() == Change::kWorse) out.push_back(&t);
  return out;
}

History analyze_history(std::vector<Release> releases, std::vector<std::string> warnings,
                        const Tolerance& tol) {
  History h;
  h.tolerance = tol;
  releases = keep_comparable(std::move(releases), warnings);
  h.warnings = std::move(warnings);
  h.order = order_releases(releases);
  std::vector<std::vector<ScopeValues>> values;
  if (!releases.empty()) h.scenario = releases[0].result.plan.name;
  for (const auto& r : releases) {
    h.releases.push_back(r.label);
    h.files.push_back(r.file);
    values.push_back(scope_values(r.result));
  }
  if (releases.size() < 2) return h;
  for (std::size_t s = 0; s < values[0].size(); ++s) {
    for (const Metric m : kMetrics) h.trends.push_back(trend_of(values, s, m, h.releases, tol));
  }
  return h;
}

std::string order_text(const History& h) {
  if (h.order == ReleaseOrder::kVersion) {
    std::string chain;
    for (const auto& r : h.releases) chain += (chain.empty() ? "" : " < ") + r;
    return "natural version order (" + chain + ")";
  }
  for (const auto& r : h.releases) {
    if (!parse_version(r)) return "start time (started_at), because '" + r + "' is not a version";
  }
  return "start time (started_at)";
}

}  // namespace lg::reports
