#include "stack/services_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "stack/proc_stat.h"
#include "stack/run_dir.h"

extern char** environ;

namespace lg::stack::detail {

namespace {

constexpr const char* kToolSuffix = ".tool";  // pids.tool: a one-off tool of the bring-up

bool is_placeholder_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The first "@NAME@" still in `text`, or "" if none.
std::string find_placeholder(const std::string& text) {
  for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
    std::size_t end = at + 1;
    while (end < text.size() && is_placeholder_char(text[end])) ++end;
    if (end > at + 1 && end < text.size() && text[end] == '@') return text.substr(at, end - at + 1);
  }
  return "";
}

}  // namespace

std::expected<void, std::string> render_template(const std::filesystem::path& tmpl,
                                                 const std::filesystem::path& out,
                                                 const Vars& vars) {
  std::ifstream in(tmpl, std::ios::binary);
  if (!in) return std::unexpected("cannot read config template " + tmpl.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  for (const auto& [name, value] : vars) {
    const std::string key = "@" + name + "@";
    for (std::size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  if (auto left = find_placeholder(text); !left.empty()) {
    return std::unexpected(tmpl.string() + ": no value for placeholder " + left);
  }
  const auto tmp = std::filesystem::path(out.string() + ".tmp");
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << text;
    if (!o.flush()) return std::unexpected("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec)
    return std::unexpected("cannot rename " + tmp.string() + " to " + out.string() + ": " +
                           ec.message());
  return {};
}

std::expected<void, std::string> check_config_path(const std::filesystem::path& p) {
  const std::string s = p.string();
  if (s.empty() || s.front() != '/') {
    return std::unexpected("stack: path must be absolute: '" + s + "'");
  }
  for (char c : s) {
    if (std::strchr(" \t\r\n\"';{}#$\\", c) != nullptr || static_cast<unsigned char>(c) < 0x20) {
      return std::unexpected("stack: path '" + s +
                             "' contains a character that configs cannot take unquoted "
                             "(whitespace, quotes, ; { } # $ \\); choose another run directory");
    }
  }
  return {};
}

std::expected<void, std::string> check_socket_path(const std::filesystem::path& p) {
  if (p.string().size() >= sizeof(sockaddr_un::sun_path)) {
    return std::unexpected("stack: unix socket path " + p.string() + " is " +
                           std::to_string(p.string().size()) + " characters, over the limit of " +
                           std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                           "; use a shorter run directory");
  }
  return {};
}

bool unix_socket_accepts(const std::filesystem::path& p) {
  const std::string s = p.string();
  if (s.size() >= sizeof(sockaddr_un::sun_path)) return false;
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::expected<int, std::string> run_to_exit(const std::vector<std::string>& argv,
                                            const std::filesystem::path& output,
                                            std::chrono::milliseconds timeout,
                                            const std::filesystem::path& record_dir) {
  if (argv.empty()) return std::unexpected("run_to_exit: empty argv");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Own process group: on a timeout the whole tree (install-db is a shell script) is killed.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return std::unexpected("cannot start " + argv[0] + ": " + std::strerror(rc));
  // Recorded while it runs; forgotten once it has exited (whatever the way out of here).
  struct Record {
    const std::filesystem::path& dir;
    ~Record() {
      if (!dir.empty()) (void)write_pids(dir, {}, kToolSuffix);
    }
  } record{record_dir};
  if (!record_dir.empty()) {
    const auto stat = read_proc_stat(pid);
    const auto name = std::filesystem::path(argv[0]).filename().string();
    if (auto ok = write_pids(record_dir, {{name, pid, stat ? stat->start_ticks : 0, SIGTERM}},
                             kToolSuffix);
        !ok) {
      ::kill(-pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      return std::unexpected("cannot start " + argv[0] + ": " + ok.error());
    }
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (r < 0 && errno != EINTR)
      return std::unexpected("waitpid " + argv[0] + ": " + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::unexpected(argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                             " ms (killed); output in " + output.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string tail_file(const std::filesystem::path& p, std::size_t max_lines) {
  std::ifstream in(p);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

std::expected<void, std::string> create_dirs(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::create_directories(p, ec);
  if (ec) return std::unexpected("cannot create directory " + p.string() + ": " + ec.message());
  return {};
}

}  // namespace lg::stack::detail
