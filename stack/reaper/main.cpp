// loadgen-reaper --run-dir DIR [--grace-ms N]: stops the run's recorded process groups if
// loadgen dies without stopping them (stack/reaper.h). Started only by Reaper::start: stdin is
// its end of the socket pair, stdout the pipe on which it reports "ready". Exit status: 0
// (dismissed, or everything stopped), 1 (something survived, or the records were unreadable),
// 2 (bad arguments).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "stack/reaper.h"

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "loadgen-reaper: %s\nusage: loadgen-reaper --run-dir DIR [--grace-ms N] "
               "(started by loadgen, stdin a socket)\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing loadgen had open (a result file, a listening socket, a pipe someone waits on) is
  // kept alive by the reaper.
  ::close_range(3, ~0U, 0);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);  // a closed terminal is no reason to leave the stack running
  ::signal(SIGINT, SIG_IGN);
  std::filesystem::path run_dir;
  long grace_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage("missing value");
    const std::string_view value = argv[++i];
    if (arg == "--run-dir") {
      run_dir = value;
    } else if (arg == "--grace-ms") {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), grace_ms);
      if (ec != std::errc{} || end != value.data() + value.size() || grace_ms < 0 ||
          grace_ms > 60'000) {
        return usage("--grace-ms: expected 0..60000");
      }
    } else {
      return usage("unknown option");
    }
  }
  if (run_dir.empty() || !run_dir.is_absolute()) return usage("--run-dir: an absolute path");
  if (::chdir("/") != 0) return usage("cannot chdir to /");  // never holds the run dir busy

  // Watching from here on: tell loadgen, then keep stdout away from its pipe.
  if (::write(STDOUT_FILENO, "ready\n", 6) != 6) return 1;
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDOUT_FILENO);
    ::close(null_fd);
  }
  return lg::stack::run_reaper(STDIN_FILENO, run_dir, std::chrono::milliseconds{grace_ms}, stderr);
}
