// Runs the loadgen binary from a test, as users and CI run it: posix_spawn, stdout (and
// optionally stderr) into a file, exit code as the shell reports it (128 + signal).
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/files.h"

extern char** environ;

namespace lg::test {

struct LoadgenChild {
  pid_t pid = -1;
  int wait() const {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// Starts `binary args...`; stdout goes to `out` ("/dev/null" by default), stderr too when
// `with_stderr`. Throws if the spawn itself fails.
inline LoadgenChild spawn_loadgen(const std::string& binary, std::vector<std::string> args,
                                  const std::filesystem::path& out = "/dev/null",
                                  bool with_stderr = false) {
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  if (with_stderr) posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  LoadgenChild c;
  const int rc = ::posix_spawn(&c.pid, binary.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn " + binary + " failed");
  return c;
}

// Runs to the end with stdout and stderr into `log`: the exit code and the log's text.
inline std::pair<int, std::string> run_loadgen_logged(const std::string& binary,
                                                      std::vector<std::string> args,
                                                      const std::filesystem::path& log) {
  const int code = spawn_loadgen(binary, std::move(args), log, true).wait();
  return {code, read_file(log)};
}

}  // namespace lg::test
