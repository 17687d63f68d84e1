// Helpers shared by services.cpp and mariadb_template.cpp; not part of the stack's API.
#pragma once
#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace lg::stack::detail {

using Vars = std::vector<std::pair<std::string, std::string>>;  // NAME -> value, for @NAME@

// Reads `tmpl`, replaces every @NAME@ from `vars`, and writes `out` (through a temporary file
// and a rename, so a reload never reads half a config). A placeholder left without a value is
// an error naming the template and the placeholder.
std::expected<void, std::string> render_template(const std::filesystem::path& tmpl,
                                                 const std::filesystem::path& out,
                                                 const Vars& vars);

// Paths are written into configs unquoted; refuse the characters that would change their
// meaning there (whitespace, quotes, ; { } # $ \) instead of escaping per config language.
std::expected<void, std::string> check_config_path(const std::filesystem::path& p);

// A unix socket path must fit sockaddr_un::sun_path (107 characters and the NUL).
std::expected<void, std::string> check_socket_path(const std::filesystem::path& p);

// True if a listener accepts a connection on the unix socket `p` right now.
bool unix_socket_accepts(const std::filesystem::path& p);

// Runs argv to completion in its own process group, stdin from /dev/null, stdout and stderr
// appended to `output`. Returns the exit status (128 + signal if killed); kills the group and
// reports an error after `timeout`. With a `record_dir` (a run directory), the group is
// recorded in its `pids.tool` file while it runs (run_dir.h), so that the reaper and `loadgen
// stack down` stop it too (mariadb-install-db takes 2.5 s cold: long enough to be killed in).
std::expected<int, std::string> run_to_exit(const std::vector<std::string>& argv,
                                            const std::filesystem::path& output,
                                            std::chrono::milliseconds timeout,
                                            const std::filesystem::path& record_dir = {});

// The last `max_lines` lines of a file, for error messages ("" if unreadable).
std::string tail_file(const std::filesystem::path& p, std::size_t max_lines = 10);

std::expected<void, std::string> create_dirs(const std::filesystem::path& p);

}  // namespace lg::stack::detail
