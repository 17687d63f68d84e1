// Results of one scenario across releases: each metric's trend, and the release where a
// regression entered. Pure: history_files.h reads the folder.
//
// Order. Releases are sorted by natural version order when every label is a version: an
// optional 'v', dot-separated numbers, an optional suffix after '-' or '+' ("v1.2.10",
// "2.0", "v2.0.0-rc1"). Numbers compare as numbers (v1.2.9 < v1.2.10), missing ones count as 0
// (v1.2 = v1.2.0), a '-' suffix (pre-release) sorts before the plain version and suffixes
// compare naturally (rc2 < rc10). Otherwise (any label not a version, like "nightly") they are
// sorted by the run's start time (started_at), and History::order says so.
//
// Regression entry. For each metric, release i is judged against release i-1 with the same
// tolerance and floors as `loadgen compare` (compare.h). The first release worse than its
// predecessor is where a regression entered; it persisted if every later release is still
// worse than the release before it (the last good value), else it recovered at the first one
// that is not. One noisy release therefore shows as "recovered", not as a lasting regression.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/core/run_result.h"
#include "reports/compare/compare.h"

namespace lg::reports {

// "v1.10.0-rc1" -> numbers {1, 10, 0}, pre-release "rc1". nullopt when not a version.
struct Version {
  std::vector<std::uint64_t> numbers;
  std::string pre_release;  // after '-'; "" for a release
  std::string build;        // after '+'; only breaks ties
};
std::optional<Version> parse_version(std::string_view label);
// The natural version order described above (a and b must both be versions).
bool version_less(const Version& a, const Version& b);

// One release's result as found in the history folder.
struct Release {
  std::string label;  // the folder's or the file's name without ".json"
  std::string file;   // where it was read from, for messages
  RunResult result;
};

enum class ReleaseOrder { kVersion, kStartedAt };

// Sorts oldest first (see the top of this file) and returns the order used.
ReleaseOrder order_releases(std::vector<Release>& releases);

// One metric of one scope across the releases.
struct Trend {
  std::string scope;  // "step N: LABEL" or "run"
  Metric metric = Metric::kP50;
  std::vector<std::optional<double>> values;  // one per release, oldest first
  std::vector<Change> changes;                // [i]: release i vs release i-1; [0] is kSame
  std::optional<std::size_t> entered;         // the first release worse than its predecessor
  std::optional<std::size_t> recovered;       // the first later one not worse than entered-1
  std::string entry_words;                    // the entering change in words, "" if none

  bool persisted() const { return entered && !recovered; }
};

struct History {
  std::string scenario;               // the scenario's name (of the results kept)
  std::vector<std::string> releases;  // labels, oldest first
  std::vector<std::string> files;     // where each was read from
  ReleaseOrder order = ReleaseOrder::kVersion;
  std::vector<std::string> warnings;  // results left out, and why
  std::vector<Trend> trends;          // per scope (steps, then "run"), metrics in kMetrics order
  Tolerance tolerance;

  // The trends whose newest release is worse than the one before it: the CI gate.
  std::vector<const Trend*> newest_regressions() const;
};

// Keeps the results that share the most common schedule (ties: the one of the most recently
// started run) and warns about each other one, naming its file and the differences; orders the
// rest and computes every trend. Fewer than 2 releases kept leaves `trends` empty: the caller
// decides (loadgen compare exits 2).
History analyze_history(std::vector<Release> releases, std::vector<std::string> warnings,
                        const Tolerance& tol);

// "natural version order (v1.9.0 < v1.10.0 < v2.0.0)" or "start time (started_at), because
// 'nightly' is not a version".
std::string order_text(const History& h);

}  // namespace lg::reports
