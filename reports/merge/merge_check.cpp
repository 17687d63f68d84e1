#include "reports/merge/merge_check.h"

#include <algorithm>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "reports/compare/plan_sameness.h"

namespace lg::reports {
namespace {

std::string show(const nlohmann::json& v) {
  if (v.is_null()) return "absent";
  constexpr std::size_t kMax = 60;
  auto text = v.dump();
  if (text.size() > kMax) text = text.substr(0, kMax - 3) + "...";
  return text;
}

// Every difference, in words. Below an array of another length nothing more is said: its
// length is the difference.
std::vector<std::string> difference_lines(const RunRecord& a, const RunRecord& b) {
  std::vector<std::string> out;
  std::vector<std::string> counted;  // pointers of arrays of another length
  for (const auto& d : differing_fields(a, b, Sameness::kShardsOfOneRun)) {
    if (std::ranges::any_of(counted,
                            [&](const std::string& c) { return d.pointer.starts_with(c + "/"); })) {
      continue;
    }
    if (d.count) {
      counted.push_back(d.pointer);
      out.push_back("/scenario" + d.pointer + ": " + d.base.dump() + " entries vs " +
                    d.other.dump());
    } else {
      out.push_back("/scenario" + d.pointer + ": " + show(d.base) + " vs " + show(d.other));
    }
  }
  return out;
}

std::string shard_label(const RunPlan& p) {
  return std::to_string(p.shard_index + 1) + "/" + std::to_string(p.shard_count);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// A whole run (1/1) among shards, or two whole runs: nothing to merge.
std::expected<void, std::string> check_whole_runs(const std::vector<StoredResult>& shards,
                                                  const std::vector<std::string>& names) {
  if (shards.size() == 1) return {};
  for (std::size_t w = 0; w < shards.size(); ++w) {
    if (shards[w].result.plan.shard_count != 1) continue;
    const std::size_t other = w == 0 ? 1 : 0;
    const auto& p = shards[other].result.plan;
    if (p.shard_count == 1)
      return std::unexpected(names[w] + " and " + names[other] +
                             " are both whole runs (not sharded): there is nothing to merge");
    return std::unexpected(names[w] + " is a whole run (not sharded) but " + names[other] +
                           " is shard " + shard_label(p) +
                           ": merge joins the N shards of one --shard I/N split");
  }
  return {};
}

std::expected<void, std::string> check_same_split(const std::vector<StoredResult>& shards,
                                                  const std::vector<std::string>& names) {
  const auto& first = shards[0].result.plan;
  for (std::size_t i = 1; i < shards.size(); ++i) {
    const auto& p = shards[i].result.plan;
    if (p.shard_count != first.shard_count)
      return std::unexpected(names[0] + " is shard " + shard_label(first) + " but " + names[i] +
                             " is shard " + shard_label(p) +
                             ": every shard must come from the same --shard I/N split");
  }
  if (first.shard_count > 1 && shards[0].stack)
    return std::unexpected(
        names[0] + " ran against its own embedded stack: each shard drove its own stack with 1/" +
        std::to_string(first.shard_count) +
        " of the load, so the shards do not measure one system under the whole load (run the "
        "shards against one shared --target)");
  return {};
}

// At most `limit` lines, then "...".
std::vector<std::string> limited(std::vector<std::string> lines, std::size_t limit) {
  if (lines.size() > limit) {
    lines.resize(limit);
    lines.push_back("...");
  }
  return lines;
}

std::expected<void, std::string> check_same_scenario(const std::vector<StoredResult>& shards,
                                                     const std::vector<std::string>& names) {
  for (std::size_t i = 1; i < shards.size(); ++i) {
    auto lines = difference_lines(shards[0], shards[i]);
    if (lines.empty()) continue;
    return std::unexpected(names[0] + " and " + names[i] + " are not shards of one scenario (" +
                           names[0] + "'s value vs " + names[i] +
                           "'s): " + join(limited(std::move(lines), 8), "; ") +
                           ". Only threads, connections and preconnect may differ between shards");
  }
  return {};
}

// Each index once, none missing. Returns the positions ordered by index.
std::expected<std::vector<std::size_t>, std::string> check_indices(
    const std::vector<StoredResult>& shards, const std::vector<std::string>& names) {
  const auto count = shards[0].result.plan.shard_count;
  std::map<std::uint32_t, std::size_t> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const auto& p = shards[i].result.plan;
    const auto [it, fresh] = by_index.emplace(p.shard_index, i);
    if (!fresh)
      return std::unexpected(names[it->second] + " and " + names[i] + " are both shard " +
                             shard_label(p) + ": the same arrivals would be counted twice");
  }
  std::vector<std::string> missing;
  for (std::uint32_t k = 0; k < count; ++k) {
    if (!by_index.contains(k))
      missing.push_back(std::to_string(k + 1) + "/" + std::to_string(count));
  }
  if (!missing.empty())
    return std::unexpected("the split has " + std::to_string(count) + " shards (--shard I/" +
                           std::to_string(count) + ") but " + std::to_string(shards.size()) +
                           " file(s) were given: missing shard " + join(missing, ", ") +
                           " (given: " + join(names, ", ") + ")");
  std::vector<std::size_t> order;
  std::transform(by_index.begin(), by_index.end(), std::back_inserter(order),
                 [](const auto& kv) { return kv.second; });
  return order;
}

}  // namespace

std::vector<std::string> plan_differences(const RunPlan& a, const RunPlan& b, std::size_t limit) {
  RunRecord ra, rb;
  ra.result.plan = a;
  rb.result.plan = b;
  return limited(difference_lines(ra, rb), limit);
}

std::expected<std::vector<std::size_t>, std::string> check_shard_set(
    const std::vector<StoredResult>& shards, const std::vector<std::string>& names) {
  if (shards.empty()) return std::unexpected("no shard results to merge");
  if (names.size() != shards.size())
    return std::unexpected("merge: " + std::to_string(shards.size()) + " results but " +
                           std::to_string(names.size()) + " names");
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const auto& r = shards[i].result;
    if (r.steps.size() != r.plan.steps.size())
      return std::unexpected(names[i] + ": " + std::to_string(r.steps.size()) +
                             " step results for " + std::to_string(r.plan.steps.size()) +
                             " scenario steps");
  }
  if (auto ok = check_whole_runs(shards, names); !ok) return std::unexpected(ok.error());
  if (auto ok = check_same_split(shards, names); !ok) return std::unexpected(ok.error());
  if (auto ok = check_same_scenario(shards, names); !ok) return std::unexpected(ok.error());
  return check_indices(shards, names);
}

}  // namespace lg::reports
