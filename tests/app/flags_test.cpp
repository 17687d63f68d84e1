// Flag tables (loadgen/cli/flags.h): both flag forms, typed values with their ranges, the two
// wordings (loadgen's and loadgen-autoscaler's), positional arguments and unknown flags.
#include "loadgen/cli/flags.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace cli = lg::cli;
using Strings = std::vector<std::string>;

namespace {

// A table with --count N (1..9), --name TEXT, --verbose and --help; what they set.
struct Fixture {
  std::uint64_t count = 0;
  std::string name;
  bool verbose = false;
  bool help = false;
  Strings positional;

  cli::FlagTable table(cli::Wording w, bool joined, bool with_positional) {
    cli::FlagTable t;
    t.wording = w;
    t.joined = joined;
    t.flags = {
        {{"--count", "-n"},
         cli::Flag::Arity::kValue,
         [this, w](const std::string& flag, const std::string& v) {
           auto n = cli::to_uint(w, flag, v, 1, 9);
           if (!n) return n.error();
           count = *n;
           return std::string();
         }},
        {{"--name"},
         cli::Flag::Arity::kValue,
         [this](const std::string&, const std::string& v) {
           name = v;
           return std::string();
         }},
        {{"--verbose"},
         cli::Flag::Arity::kSwitch,
         [this](const std::string&, const std::string&) {
           verbose = true;
           return std::string();
         }},
        {{"--help"},
         cli::Flag::Arity::kStop,
         [this](const std::string&, const std::string&) {
           help = true;
           return std::string();
         }},
    };
    if (with_positional) {
      t.positional = [this](const std::string& a) {
        if (a == "bad") return std::string("no bad files");
        positional.push_back(a);
        return std::string();
      };
    }
    return t;
  }
};

}  // namespace

TEST_CASE("flags: values, switches, aliases and what was seen", "[cli][flags]") {
  Fixture f;
  const Strings args{"a.json", "-n", "3", "--verbose", "--name", "--x", "-"};
  const auto parsed = cli::parse(f.table(cli::Wording::kLoadgen, false, true), args);
  REQUIRE(parsed.has_value());
  CHECK(f.count == 3);
  CHECK(f.verbose);
  CHECK(f.name == "--x");  // the next argument is the value, whatever it looks like
  CHECK(f.positional == Strings{"a.json", "-"});
  CHECK(parsed->seen == std::set<std::string>{"--count", "--name", "--verbose"});
}

TEST_CASE("flags: --flag=value only where the table allows it", "[cli][flags]") {
  Fixture f;
  const Strings args{"--count=4", "--name=a=b"};
  REQUIRE(cli::parse(f.table(cli::Wording::kAutoscaler, true, false), args).has_value());
  CHECK(f.count == 4);
  CHECK(f.name == "a=b");
  Fixture g;
  CHECK(cli::parse(g.table(cli::Wording::kLoadgen, false, true), args).error() ==
        "unknown option '--count=4'");
  CHECK(
      cli::parse(g.table(cli::Wording::kAutoscaler, true, false), Strings{"--verbose=1"}).error() ==
      "--verbose takes no value");
}

TEST_CASE("flags: each wording's errors", "[cli][flags]") {
  using W = cli::Wording;
  auto [w, joined, bad_count, missing, unknown] =
      GENERATE(table<W, bool, std::string, std::string, std::string>({
          {W::kLoadgen, false, "--count: expected an integer in [1, 9], got '0'",
           "--count: missing value", "unknown option '--bogus'"},
          {W::kAutoscaler, true, "--count: \"0\" is not accepted: expected an integer in [1, 9]",
           "--count: a value is needed", "unknown argument \"--bogus\""},
      }));
  Fixture f;
  const auto t = f.table(w, joined, false);
  CHECK(cli::parse(t, Strings{"--count", "0"}).error() == bad_count);
  CHECK(cli::parse(t, Strings{"--count"}).error() == missing);
  CHECK(cli::parse(t, Strings{"--bogus", "--count", "0"}).error() == unknown);  // the first
  // Without a positional handler, every argument the table does not know is unknown.
  CHECK(cli::parse(t, Strings{"file"}).error() ==
        (w == W::kLoadgen ? "unknown option 'file'" : "unknown argument \"file\""));
  auto custom = t;
  custom.unknown = [](const std::string& a) { return "sub: unknown option '" + a + "'"; };
  CHECK(cli::parse(custom, Strings{"--bogus"}).error() == "sub: unknown option '--bogus'");
}

TEST_CASE("flags: a stop flag ends the parse, a positional error stops it", "[cli][flags]") {
  Fixture f;
  const auto t = f.table(cli::Wording::kLoadgen, false, true);
  REQUIRE(cli::parse(t, Strings{"--help", "--bogus", "--count"}).has_value());
  CHECK(f.help);
  CHECK(cli::parse(t, Strings{"x", "bad", "--bogus"}).error() == "no bad files");
  CHECK(cli::parse(t, Strings{"--bogus", "--help"}).error() == "unknown option '--bogus'");
}

TEST_CASE("flags: typed values and their ranges", "[cli][flags]") {
  using W = cli::Wording;
  CHECK(cli::to_uint(W::kLoadgen, "--n", "18446744073709551615", 0, UINT64_MAX).value() ==
        UINT64_MAX);
  CHECK_FALSE(cli::to_uint(W::kLoadgen, "--n", "-1", 0, 10).has_value());
  CHECK_FALSE(cli::to_uint(W::kLoadgen, "--n", "1x", 0, 10).has_value());
  CHECK_FALSE(cli::to_uint(W::kLoadgen, "--n", "", 0, 10).has_value());
  CHECK(cli::to_number(W::kAutoscaler, "--x", "0.25", "> 0").value() == 0.25);
  CHECK(cli::to_number(W::kAutoscaler, "--x", "inf", "> 0").error() ==
        "--x: \"inf\" is not accepted: expected a number > 0");
  CHECK(cli::to_seconds(W::kAutoscaler, "--t", "1500ms", ">= 0").value() == 1.5);
  CHECK(cli::to_seconds(W::kAutoscaler, "--t", "2", ">= 0").error() ==
        "--t: \"2\" is not accepted: expected a duration such as 2s, 500ms or 2m, >= 0");
  CHECK(cli::refused(W::kLoadgen, "--out", "", "a folder") == "--out: expected a folder, got ''");
}
