#include "stack/proc_stat.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace lg::stack {
namespace {

bool gone_state(char state) {
  return state == 'Z' || state == 'X' || state == 'x';
}

// Splits the part after "(comm) " on spaces. comm may itself hold spaces and parentheses, so
// the fields start after the last ')'.
std::optional<ProcStat> parse_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 >= text.size()) return std::nullopt;
  text.remove_prefix(close + 2);
  ProcStat out;
  int field = 3;  // numbered as in proc(5): 3 is the state
  while (!text.empty() && field <= 22) {
    const auto space = text.find(' ');
    const std::string_view item = text.substr(0, space);
    std::int64_t number = 0;
    if (field == 3) {
      if (item.size() != 1) return std::nullopt;
      out.state = item[0];
    } else if (field == 4 || field == 5 || field == 14 || field == 15 || field == 22) {
      const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), number);
      if (ec != std::errc{} || ptr != item.data() + item.size()) return std::nullopt;
      if (field == 4) out.ppid = static_cast<int>(number);
      if (field == 5) out.pgrp = static_cast<int>(number);
      if (field == 14) out.utime_ticks = static_cast<std::uint64_t>(number);
      if (field == 15) out.stime_ticks = static_cast<std::uint64_t>(number);
      if (field == 22) out.start_ticks = static_cast<std::uint64_t>(number);
    }
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
    ++field;
  }
  if (field < 22) return std::nullopt;
  return out;
}

}  // namespace

std::optional<ProcStat> read_proc_stat(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat", std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_stat(text);
}

bool is_alive(int pid) {
  const auto stat = read_proc_stat(pid);
  return stat && !gone_state(stat->state);
}

std::vector<int> live_group_members(int pgid) {
  std::vector<int> members;
  if (pgid <= 1) return members;
  std::error_code ec;
  // increment(ec), not a range-for: the range-for's ++ throws on a read error.
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    int pid = 0;
    const auto [ptr, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc{} || ptr != name.data() + name.size()) continue;
    const auto stat = read_proc_stat(pid);  // the process may have gone since the listing
    if (stat && stat->pgrp == pgid && !gone_state(stat->state)) members.push_back(pid);
  }
  return members;
}

}  // namespace lg::stack
