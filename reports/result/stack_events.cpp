#include "reports/result/stack_events.h"

#include <cstdio>
#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

namespace lg::reports {

std::optional<double> parse_iso_utc_ms(const std::string& text) {
  std::tm tm{};
  int frac_len = 0;
  char frac[16] = {0};
  const int n =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac, &frac_len);
  if (n < 6) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const auto secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
  double ms = static_cast<double>(secs) * 1000.0;
  if (n >= 7) ms += std::stod(std::string("0.") + frac) * 1000.0;
  return ms;
}

std::expected<std::vector<StackEvent>, std::string> read_stack_events(
    const std::filesystem::path& file, double run_start_unix_ms) {
  std::vector<StackEvent> events;
  std::ifstream in(file);
  if (!in) return events;  // no autoscaler, or it never acted
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    const auto where = file.string() + ":" + std::to_string(line_no) + ": ";
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::unexpected(where + "not a JSON object");
    StackEvent e;
    for (const char* key : {"time", "type", "reason"}) {
      if (j.contains(key) && !j[key].is_string())
        return std::unexpected(where + "\"" + key + "\" is not a string");
    }
    e.time = j.value("time", "");
    e.type = j.value("type", "");
    // A field of the wrong type is a bad line, not an exception out of the run.
    for (const char* key : {"from", "to"}) {
      if (j.contains(key) && !(j[key].is_number_integer() && j[key].get<std::int64_t>() >= 0))
        return std::unexpected(where + "\"" + key + "\" is not a non-negative integer");
    }
    e.from = j.value("from", 0);
    e.to = j.value("to", 0);
    e.reason = j.value("reason", "");
    // The autoscaler's own monotonic clock: exact gaps between its decisions.
    if (j.contains("t_s") && j["t_s"].is_number()) e.own_s = j["t_s"].get<double>();
    if (j.contains("unix_ms") && j["unix_ms"].is_number()) {
      e.t_s = (j["unix_ms"].get<double>() - run_start_unix_ms) / 1000.0;
    } else if (auto ms = parse_iso_utc_ms(e.time)) {
      e.t_s = (*ms - run_start_unix_ms) / 1000.0;
    } else {
      return std::unexpected(where + "no usable \"time\" (ISO 8601 UTC) or \"unix_ms\"");
    }
    if (j.contains("inputs") && j["inputs"].is_object()) {
      for (const auto& [k, v] : j["inputs"].items()) {
        if (v.is_number()) e.inputs.emplace_back(k, v.get<double>());
      }
    }
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace lg::reports
