// MariaDB: the cached datadir template, its per-run copy, and the server's spec.
// mariadb-install-db is the slow part of a bring-up (0.7 s warm, 2.5 s cold on the reference
// machine), so it runs once per (version, init.sql, flags) and every run copies the result.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "stack/services.h"
#include "stack/services_util.h"

namespace lg::stack {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Used by both install-db and the server: InnoDB's default (100 MB) would make every copy
// 100 MB larger; 8 MB keeps the datadir at ~26 MB.
constexpr const char* kInnodbLogFileSize = "--innodb-log-file-size=8M";
constexpr const char* kStagingPrefix = ".mariadb-staging-";

std::chrono::milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

// mariadbd refuses to run as root without --user=root; as anyone else the flag would fail.
bool running_as_root() {
  return ::geteuid() == 0;
}

std::uint64_t fnv1a(std::string_view data, std::uint64_t h = 1469598103934665603ULL) {
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::expected<std::string, std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::unexpected("cannot read " + p.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// "10.11.19-MariaDB-0+deb12u1" from "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for ...", with
// anything unusual in a file name replaced.
std::expected<std::string, std::string> mariadbd_version(const Binaries& bin,
                                                         const fs::path& scratch) {
  const fs::path out = scratch / "mariadbd-version.txt";
  std::error_code ec;
  fs::remove(out, ec);
  auto rc = detail::run_to_exit({bin.mariadbd.string(), "--no-defaults", "--version"}, out,
                                std::chrono::milliseconds(10000));
  auto text = read_file(out);
  fs::remove(out, ec);
  if (!rc || *rc != 0 || !text) {
    return std::unexpected(bin.mariadbd.string() + " --version failed" +
                           (rc ? "" : ": " + rc.error()));
  }
  std::istringstream words(*text);
  std::string word, version;
  while (words >> word) {
    if (word == "Ver" && (words >> version)) break;
  }
  if (version.empty()) return std::unexpected("cannot read the version in: " + *text);
  for (char& c : version) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+') c = '_';
  }
  return version;
}

std::vector<std::string> install_db_argv(const Binaries& bin, const fs::path& datadir,
                                         const fs::path& tmpdir, const fs::path& init_sql) {
  std::vector<std::string> argv = {bin.mariadb_install_db.string(), "--no-defaults"};
  if (running_as_root()) argv.emplace_back("--user=root");
  for (std::string a :
       {"--datadir=" + datadir.string(), std::string("--auth-root-authentication-method=normal"),
        std::string("--skip-test-db"), std::string("--skip-name-resolve"),
        // --force: skip install-db's hostname lookup (resolveip), which fails on hosts without
        // a resolvable name (a fresh chroot, some CI runners); nothing here needs DNS.
        std::string("--force"), std::string(kInnodbLogFileSize), "--tmpdir=" + tmpdir.string(),
        "--extra-file=" + init_sql.string()}) {
    argv.push_back(std::move(a));
  }
  return argv;
}

// Staging directories of inits whose process is gone (killed mid-init).
void remove_dead_staging(const fs::path& cache_dir) {
  std::error_code ec;
  for (fs::directory_iterator it(cache_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kStagingPrefix, 0) != 0) continue;
    const int pid = std::atoi(name.c_str() + std::string_view(kStagingPrefix).size());
    if (pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code rm_ec;
      fs::remove_all(it->path(), rm_ec);
    }
  }
}

// Holds an flock on cache_dir/mariadb.lock: concurrent runs wait for one init instead of each
// running install-db. Released by the kernel if the holder dies.
class CacheLock {
 public:
  explicit CacheLock(const fs::path& cache_dir)
      : fd_(::open((cache_dir / "mariadb.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ~CacheLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_;
};

std::expected<std::chrono::milliseconds, std::string> create_template(const Binaries& bin,
                                                                      const Layout& layout,
                                                                      const fs::path& cache_dir,
                                                                      const fs::path& template_dir,
                                                                      const fs::path& init_sql) {
  remove_dead_staging(cache_dir);
  static int counter = 0;
  const fs::path staging =
      cache_dir / (kStagingPrefix + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (auto ok = detail::create_dirs(staging / "tmp"); !ok) return std::unexpected(ok.error());
  const fs::path data = staging / "data";
  const fs::path log = layout.logs() / "mariadb-install.log";

  const auto t0 = Clock::now();
  auto rc = detail::run_to_exit(install_db_argv(bin, data, staging / "tmp", init_sql), log,
                                std::chrono::milliseconds(180000), layout.dir);
  const auto took = since(t0);
  auto fail = [&](const std::string& why) {
    std::error_code rm_ec;
    fs::remove_all(staging, rm_ec);
    return std::unexpected("stack: mariadb-install-db (package mariadb-server) " + why +
                           "; last lines of " + log.string() + ":\n" + detail::tail_file(log));
  };
  if (!rc) return fail(rc.error());
  if (*rc != 0) return fail("exited with status " + std::to_string(*rc));
  if (!fs::exists(data / "app" / "items.frm", ec)) {
    return fail("succeeded but " + init_sql.string() + " did not create app.items");
  }
  fs::rename(data, template_dir, ec);
  if (ec && !fs::exists(template_dir))
    return fail("could not publish the template: " + ec.message());
  fs::remove_all(staging, ec);
  return took;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "loadgen";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".cache" / "loadgen";
  }
  return "/var/tmp/loadgen-cache";
}

std::expected<MariadbPrepared, std::string> prepare_mariadb(const Binaries& bin,
                                                            const Layout& layout,
                                                            const fs::path& cache_dir,
                                                            const fs::path& assets_dir) {
  const fs::path init_sql = assets_dir / "sql" / "init.sql";
  auto sql = read_file(init_sql);
  if (!sql) return std::unexpected("stack: " + sql.error() + " (the seed SQL; check assets_dir)");
  for (const auto& d : {cache_dir, layout.dir / "tmp", layout.logs()}) {
    if (auto ok = detail::create_dirs(d); !ok) return std::unexpected(ok.error());
  }
  auto version = mariadbd_version(bin, layout.dir / "tmp");
  if (!version) return std::unexpected("stack: " + version.error());

  // The key covers everything that shapes the datadir; the install-db argv is hashed with
  // placeholder paths, since the staging directory differs per attempt.
  std::uint64_t key = fnv1a(*version);
  key = fnv1a(*sql, fnv1a("\n", key));
  for (const auto& a : install_db_argv(bin, "DATA", "TMP", "SQL")) key = fnv1a(a, fnv1a("\n", key));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
  MariadbPrepared out;
  out.template_dir = cache_dir / ("mariadb-" + *version + "-" + hex);

  std::error_code ec;
  if (!fs::is_directory(out.template_dir, ec)) {
    CacheLock lock(cache_dir);
    if (!fs::is_directory(out.template_dir, ec)) {  // another process may have made it meanwhile
      auto took = create_template(bin, layout, cache_dir, out.template_dir, init_sql);
      if (!took) return std::unexpected(took.error());
      out.created = true;
      out.init_time = *took;
    }
  }

  const auto t0 = Clock::now();
  const fs::path datadir = layout.mysql_datadir();
  fs::remove_all(datadir, ec);
  fs::copy(out.template_dir, datadir, fs::copy_options::recursive | fs::copy_options::copy_symlinks,
           ec);
  if (ec) {
    return std::unexpected("stack: cannot copy the MariaDB template " + out.template_dir.string() +
                           " to " + datadir.string() + ": " + ec.message());
  }
  out.copy_time = since(t0);
  return out;
}

std::expected<ProcessSpec, std::string> mariadb_spec(const Binaries& bin, const Layout& layout,
                                                     const Ports& ports) {
  if (auto ok = detail::check_socket_path(layout.mysql_socket()); !ok) {
    return std::unexpected(ok.error());
  }
  std::error_code ec;
  if (!fs::is_directory(layout.mysql_datadir() / "mysql", ec)) {
    return std::unexpected("stack: " + layout.mysql_datadir().string() +
                           " is not a MariaDB datadir; call prepare_mariadb first");
  }
  if (auto ok = detail::create_dirs(layout.dir / "tmp"); !ok) return std::unexpected(ok.error());
  const fs::path log = layout.logs() / "mariadb.log";
  ProcessSpec spec;
  spec.name = "mariadb";
  // --no-defaults first: /etc/mysql/my.cnf would move the socket and pid file to /run/mysqld.
  spec.argv = {bin.mariadbd.string(), "--no-defaults"};
  if (running_as_root()) spec.argv.emplace_back("--user=root");
  for (std::string a : {
           "--datadir=" + layout.mysql_datadir().string(),
           "--socket=" + layout.mysql_socket().string(),
           "--port=" + std::to_string(ports.mariadb()),
           std::string("--bind-address=127.0.0.1"),
           "--pid-file=" + (layout.dir / "mysql.pid").string(),
           "--log-error=" + log.string(),
           "--tmpdir=" + (layout.dir / "tmp").string(),
           std::string("--skip-log-bin"),
           // The app user exists for 'localhost' (socket) and '127.0.0.1' (TCP) only.
           std::string("--skip-name-resolve"),
           std::string(kInnodbLogFileSize),
           std::string("--innodb-buffer-pool-size=64M"),
           // A load test's POSTs should not each wait for an fsync; losing the last second of
           // writes in a crash does not matter for a throwaway datadir.
           std::string("--innodb-flush-log-at-trx-commit=2"),
           // Persistent connections: every FPM child of every replica holds one.
           std::string("--max-connections=1000"),
           std::string("--character-set-server=utf8mb4"),
           std::string("--collation-server=utf8mb4_general_ci"),
           // 2 (the default) logs a note for every persistent connection a stopped FPM drops.
           std::string("--log-warnings=1"),
       }) {
    spec.argv.push_back(std::move(a));
  }
  spec.log = log;
  spec.cwd = layout.dir;
  spec.stop_signal = SIGTERM;
  spec.stop_timeout = std::chrono::milliseconds(30000);  // a clean InnoDB shutdown
  return spec;
}

}  // namespace lg::stack
