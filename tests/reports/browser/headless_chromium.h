// Headless Chromium for the browser tests: found on $PATH (or $LG_CHROMIUM), run in its own
// process group with a time bound and a fresh profile directory; the whole group is killed
// afterwards, so nothing outlives a test. Pages report through <body> attributes
// (data-ready, data-charts, data-errors), which the dumped DOM shows.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/temp_dir.h"

namespace lg::test::browser {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline constexpr auto kBrowserTimeout = 60s;  // one Chromium invocation, start to exit

// Chromium from $LG_CHROMIUM, else the first of chromium / chromium-browser on $PATH.
inline std::optional<fs::path> find_chromium() {
  if (const char* env = std::getenv("LG_CHROMIUM"); env && *env) return fs::path(env);
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin";
  for (const char* name : {"chromium", "chromium-browser"}) {
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const auto end = std::min(dirs.find(':', start), dirs.size());
      const auto candidate = fs::path(dirs.substr(start, end - start)) / name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  return std::nullopt;
}

using lg::test::read_file;
using lg::test::TempDir;

struct Outcome {
  int exit_code = -1;  // -1: killed at the deadline
  std::string out;     // stdout
  std::string err;     // stderr
};

// PIDs of live processes whose command line mentions `needle` (our unique profile directory).
inline std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (read_file(entry.path() / "cmdline").find(needle) != std::string::npos) {
      found.push_back(static_cast<pid_t>(std::stoi(name)));
    }
  }
  return found;
}

// Runs `argv` in a new process group with stdout/stderr to files in `dir`; kills the whole
// group at the deadline and, in any case, once the main process has exited.
inline Outcome run_bounded(const std::vector<std::string>& argv, const fs::path& dir) {
  const auto out_file = dir / "stdout.txt", err_file = dir / "stderr.txt";
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // if the test dies, the browser dies with it
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from here: no race with the child's own call
  Outcome o;
  const auto deadline = std::chrono::steady_clock::now() + kBrowserTimeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  kill(-pid, SIGKILL);  // helpers (zygote, renderer, GPU process) that are still around
  if (status != -1) o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = read_file(out_file);
  o.err = read_file(err_file);
  return o;
}

inline std::vector<std::string> chromium_args(const fs::path& chromium, const fs::path& profile) {
  return {chromium.string(),
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--virtual-time-budget=5000",
          "--user-data-dir=" + profile.string(),
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-extensions",
          "--disable-background-networking",
          "--disable-sync",
          "--disable-dev-shm-usage",
          "--disable-crash-reporter",
          "--hide-scrollbars"};
}

// The value of attribute `name` on the dumped <body> tag ("" if absent).
inline std::string body_attribute(const std::string& dom, const std::string& name) {
  const auto start = dom.find("<body");
  REQUIRE(start != std::string::npos);
  const auto tag = dom.substr(start, dom.find('>', start) - start);
  const auto at = tag.find(" " + name + "=\"");
  if (at == std::string::npos) return "";
  const auto value = at + name.size() + 3;
  return tag.substr(value, tag.find('"', value) - value);
}

// Waits (up to 5 s) until no process mentions `needle` any more.
inline bool none_left(const std::string& needle) {
  for (int i = 0; i < 100; ++i) {
    if (processes_mentioning(needle).empty()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace lg::test::browser
