#include "reports/compare/history_files.h"

#include <algorithm>
#include <set>
#include <system_error>

#include "reports/result/result_reader.h"

namespace lg::reports {
namespace {

namespace fs = std::filesystem;

struct Candidate {
  std::string label;
  fs::path file;
};

// Folders first, so that a label given both ways keeps its run folder.
std::vector<Candidate> candidates(const std::vector<fs::directory_entry>& entries,
                                  std::vector<std::string>& warnings) {
  std::vector<Candidate> out;
  for (const auto& e : entries) {
    const auto name = e.path().filename().string();
    std::error_code ec;
    if (!e.is_directory(ec)) continue;
    if (fs::exists(e.path() / "result.json", ec))
      out.push_back({name, e.path() / "result.json"});
    else
      warnings.push_back(e.path().string() + ": skipped: a folder without result.json");
  }
  for (const auto& e : entries) {
    std::error_code ec;
    if (e.is_directory(ec) || e.path().extension() != ".json") continue;
    out.push_back({e.path().stem().string(), e.path()});
  }
  return out;
}

}  // namespace

std::expected<HistoryFolder, std::string> read_history_folder(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->path().filename().string().starts_with('.')) entries.push_back(*it);
  }
  if (ec) return std::unexpected(dir.string() + ": cannot list the folder: " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path() < b.path(); });
  HistoryFolder out;
  std::set<std::string> seen;
  for (const auto& c : candidates(entries, out.warnings)) {
    if (!seen.insert(c.label).second) {
      out.warnings.push_back(c.file.string() + ": skipped: release " + c.label +
                             " is also the folder " + (dir / c.label).string());
      continue;
    }
    auto stored = read_result(c.file);
    if (!stored) {
      // The reader's message starts with the file already.
      std::string why = stored.error();
      if (why.starts_with(c.file.string() + ": ")) why.erase(0, c.file.string().size() + 2);
      out.warnings.push_back(c.file.string() + ": skipped: " + why);
      continue;
    }
    out.releases.push_back({c.label, c.file.string(), std::move(stored->result)});
  }
  return out;
}

}  // namespace lg::reports
