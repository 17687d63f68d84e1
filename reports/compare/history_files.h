// Reads a history folder: one result per release, in either layout (mixing them is fine):
//   DIR/<release>/result.json   a run's --out folder per release
//   DIR/<release>.json          a result file per release
// Hidden entries and other files are ignored. A result that cannot be read, a folder without
// result.json, or a release label given twice is left out with a warning naming the file.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "reports/compare/history.h"

namespace lg::reports {

struct HistoryFolder {
  std::vector<Release> releases;      // in name order; history.h orders them by release
  std::vector<std::string> warnings;  // what was left out, and why
};

// Fails only when DIR itself cannot be listed.
std::expected<HistoryFolder, std::string> read_history_folder(const std::filesystem::path& dir);

}  // namespace lg::reports
