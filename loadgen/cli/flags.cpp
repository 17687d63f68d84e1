#include "loadgen/cli/flags.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "loadgen/core/units.h"

namespace lg::cli {
namespace {

std::string str(std::string_view s) {
  return std::string(s);
}

std::string missing_value(Wording w, const std::string& flag) {
  return flag + (w == Wording::kLoadgen ? ": missing value" : ": a value is needed");
}

std::string unknown_argument(Wording w, const std::string& arg) {
  return w == Wording::kLoadgen ? "unknown option '" + arg + "'"
                                : "unknown argument \"" + arg + "\"";
}

const Flag* find(const FlagTable& table, const std::string& name) {
  for (const auto& f : table.flags)
    for (const auto& n : f.names)
      if (n == name) return &f;
  return nullptr;
}

}  // namespace

std::string refused(Wording w, std::string_view flag, std::string_view value,
                    std::string_view what) {
  if (w == Wording::kLoadgen)
    return str(flag) + ": expected " + str(what) + ", got '" + str(value) + "'";
  return str(flag) + ": \"" + str(value) + "\" is not accepted: expected " + str(what);
}

std::expected<std::uint64_t, std::string> to_uint(Wording w, std::string_view flag,
                                                  std::string_view value, std::uint64_t lo,
                                                  std::uint64_t hi) {
  std::uint64_t out = 0;
  const auto end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (value.empty() || ec != std::errc{} || ptr != end || out < lo || out > hi) {
    return std::unexpected(refused(
        w, flag, value, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
  }
  return out;
}

std::expected<double, std::string> to_number(Wording w, std::string_view flag,
                                             std::string_view value, std::string_view range) {
  double out = 0;
  const auto end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (value.empty() || ec != std::errc{} || ptr != end || !std::isfinite(out)) {
    return std::unexpected(refused(w, flag, value, "a number " + str(range)));
  }
  return out;
}

std::expected<double, std::string> to_seconds(Wording w, std::string_view flag,
                                              std::string_view value, std::string_view range) {
  const auto ns = parse_duration(value);
  if (!ns) {
    return std::unexpected(
        refused(w, flag, value, "a duration such as 2s, 500ms or 2m, " + str(range)));
  }
  return static_cast<double>(*ns) / 1e9;
}

std::expected<Parsed, std::string> parse(const FlagTable& table,
                                         std::span<const std::string> args) {
  Parsed out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string name = arg;
    std::optional<std::string> value;  // given as --flag=value
    if (const auto eq = arg.find('='); table.joined && arg.starts_with("--") && eq != arg.npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const Flag* flag = find(table, name);
    if (flag == nullptr) {
      const bool flag_like = arg.starts_with("-") && arg.size() > 1;
      if (table.positional && !flag_like) {
        if (auto err = table.positional(arg); !err.empty()) return std::unexpected(err);
        continue;
      }
      return std::unexpected(table.unknown ? table.unknown(arg)
                                           : unknown_argument(table.wording, arg));
    }
    if (flag->arity == Flag::Arity::kStop) {
      if (auto err = flag->take(name, ""); !err.empty()) return std::unexpected(err);
      return out;
    }
    if (flag->arity == Flag::Arity::kSwitch && value) {
      return std::unexpected(name + " takes no value");
    }
    if (flag->arity == Flag::Arity::kValue && !value) {
      if (i + 1 >= args.size()) return std::unexpected(missing_value(table.wording, name));
      value = args[++i];
    }
    if (auto err = flag->take(name, value.value_or("")); !err.empty()) return std::unexpected(err);
    out.seen.insert(flag->names.front());
  }
  return out;
}

}  // namespace lg::cli
