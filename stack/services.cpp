// Binaries, the run directory's shared parts, and the web tier's specs (FPM, nginx, HAProxy).
// MariaDB's template and spec are in mariadb_template.cpp.
#include "stack/services.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "stack/services_util.h"
#include "stack/tls_cert.h"

namespace lg::stack {

namespace fs = std::filesystem;
using detail::Vars;

namespace {

std::vector<fs::path> search_dirs() {
  std::vector<fs::path> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto item = rest.substr(0, colon);
      if (!item.empty()) dirs.emplace_back(std::string(item));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  // The daemons live in sbin, which a non-login root shell may not have on its PATH.
  for (const char* d :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    dirs.emplace_back(d);
  }
  return dirs;
}

std::optional<fs::path> find_exe(std::string_view name, const std::vector<fs::path>& dirs) {
  for (const auto& d : dirs) {
    const auto p = d / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return std::nullopt;
}

// "8.2" from "php-fpm8.2", or "" for a name without a version.
std::string fpm_version(const fs::path& exe) {
  const std::string name = exe.filename().string();
  return name.size() > 7 ? name.substr(7) : "";
}

// php-fpm8.2 (Debian 12's), else the newest php-fpmX.Y on the search path, else php-fpm.
std::optional<fs::path> find_php_fpm(const std::vector<fs::path>& dirs) {
  if (auto p = find_exe("php-fpm8.2", dirs)) return p;
  std::optional<fs::path> best;
  std::pair<int, int> best_version{-1, -1};
  for (const auto& d : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
      int major = 0, minor = 0;
      const std::string name = it->path().filename().string();
      if (std::sscanf(name.c_str(), "php-fpm%d.%d", &major, &minor) == 2 &&
          std::pair{major, minor} > best_version && ::access(it->path().c_str(), X_OK) == 0) {
        best_version = {major, minor};
        best = it->path();
      }
    }
  }
  if (best) return best;
  return find_exe("php-fpm", dirs);
}

// Debian's php-mysql enables mysqli through a conf.d link; without it every DB route is a 500.
bool fpm_has_mysqli(const fs::path& php_fpm) {
  const std::string version = fpm_version(php_fpm);
  if (version.empty()) return true;  // not Debian's layout: let the app report it
  std::error_code ec;
  const fs::path confd = "/etc/php/" + version + "/fpm/conf.d";
  for (fs::directory_iterator it(confd, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().find("mysqli") != std::string::npos) return true;
  }
  return false;
}

std::expected<void, std::string> check_replica(std::uint32_t i) {
  if (i < 1 || i > kMaxReplicas) {
    return std::unexpected("stack: replica " + std::to_string(i) + " is outside 1.." +
                           std::to_string(kMaxReplicas) + " (the port block's size)");
  }
  return {};
}

fs::path replica_log(const Layout& layout, std::string_view kind, std::uint32_t i) {
  return layout.logs() / (std::string(kind) + "-" + std::to_string(i) + ".log");
}

// One of replica i's processes (php-fpm, nginx): its config DIR/STEM.conf rendered from
// config/STEM.conf.in with REPLICA, PID_FILE (DIR/STEM.pid) and LOG (logs/KIND-I.log) besides
// `vars`, run as `argv` plus the config's path and stopped gracefully by SIGQUIT (running
// requests finish, up to 10 s for /api/work; a killed nginx master orphans its worker, hence
// the group).
std::expected<ProcessSpec, std::string> replica_process(
    const Layout& layout, std::uint32_t i, std::string_view stem, std::string_view kind,
    std::string name, const Vars& vars, std::vector<std::string> argv, const fs::path& assets_dir) {
  const fs::path dir = layout.replica_dir(i);
  const std::string file(stem);
  const fs::path conf = dir / (file + ".conf");
  const fs::path log = replica_log(layout, kind, i);
  Vars all{
      {"REPLICA", std::to_string(i)},
      {"PID_FILE", (dir / (file + ".pid")).string()},
      {"LOG", log.string()},
  };
  all.insert(all.end(), vars.begin(), vars.end());
  if (auto ok = detail::render_template(assets_dir / "config" / (file + ".conf.in"), conf, all);
      !ok) {
    return std::unexpected(ok.error());
  }
  ProcessSpec spec;
  spec.name = std::move(name);
  spec.argv = std::move(argv);
  spec.argv.push_back(conf.string());
  spec.log = log;
  spec.cwd = layout.dir;
  spec.stop_signal = SIGQUIT;
  spec.stop_timeout = std::chrono::milliseconds(15000);
  return spec;
}

}  // namespace

std::expected<Binaries, std::string> find_binaries() {
  const auto dirs = search_dirs();
  Binaries bin;
  std::vector<std::pair<std::string, std::string>> missing;  // what, apt package(s)
  auto need = [&](fs::path& out, std::optional<fs::path> found, std::string what, std::string pkg) {
    if (found) {
      out = *found;
    } else {
      missing.emplace_back(std::move(what), std::move(pkg));
    }
  };
  need(bin.haproxy, find_exe("haproxy", dirs), "haproxy", "haproxy");
  need(bin.nginx, find_exe("nginx", dirs), "nginx", "nginx-light");
  need(bin.mariadbd, find_exe("mariadbd", dirs), "mariadbd", "mariadb-server");
  need(bin.mariadb_install_db, find_exe("mariadb-install-db", dirs), "mariadb-install-db",
       "mariadb-server");
  need(bin.php_fpm, find_php_fpm(dirs), "php-fpm8.2", "php-fpm php-mysql");
  if (!bin.php_fpm.empty() && !fpm_has_mysqli(bin.php_fpm)) {
    missing.emplace_back("PHP's mysqli extension for " + bin.php_fpm.filename().string(),
                         "php-mysql");
  }
  if (missing.empty()) return bin;

  std::string msg = "stack: missing on this machine:";
  std::vector<std::string> packages;
  for (const auto& [what, pkg] : missing) {
    msg += "\n  " + what + " (apt package: " + pkg + ")";
    if (std::find(packages.begin(), packages.end(), pkg) == packages.end()) packages.push_back(pkg);
  }
  msg += "\nInstall with: apt-get install -y";
  for (const auto& p : packages) msg += " " + p;
  return std::unexpected(msg);
}

fs::path default_assets_dir() {
  if (const char* env = std::getenv("LG_STACK_ASSETS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef LG_STACK_ASSETS_DIR
  return LG_STACK_ASSETS_DIR;
#else
  std::error_code ec;
  return fs::absolute("stack", ec);  // absolute: install-db runs with the path in its argv
#endif
}

std::expected<void, std::string> prepare_run_dir(const Layout& layout, const fs::path& assets_dir) {
  if (auto ok = detail::check_config_path(layout.dir); !ok) return ok;
  const fs::path app = assets_dir / "app";
  std::error_code ec;
  if (!fs::is_regular_file(app / "index.php", ec)) {
    return std::unexpected("stack: the PHP app is not in " + app.string() +
                           " (expected index.php there); pass the source tree's stack/ folder "
                           "or set LG_STACK_ASSETS_DIR");
  }
  for (const auto& d : {layout.logs(), layout.dir / "tmp", layout.haproxy_dir()}) {
    if (auto ok = detail::create_dirs(d); !ok) return ok;
  }
  fs::remove_all(layout.www(), ec);
  fs::copy(app, layout.www(), fs::copy_options::recursive, ec);
  if (ec) {
    return std::unexpected("stack: cannot copy " + app.string() + " to " + layout.www().string() +
                           ": " + ec.message());
  }
  return {};
}

std::expected<ProcessSpec, std::string> fpm_spec(const Binaries& bin, const Layout& layout,
                                                 std::uint32_t i, std::uint32_t children,
                                                 const fs::path& assets_dir,
                                                 std::uint16_t db_port) {
  if (auto ok = check_replica(i); !ok) return std::unexpected(ok.error());
  if (children < 1 || children > 256) {
    return std::unexpected("stack: FPM children must be 1..256, got " + std::to_string(children));
  }
  if (auto ok = detail::check_config_path(layout.dir); !ok) return std::unexpected(ok.error());
  if (auto ok = detail::check_socket_path(layout.fpm_socket(i)); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = detail::create_dirs(layout.replica_dir(i)); !ok) {
    return std::unexpected(ok.error());
  }
  const Vars vars{
      {"LISTEN", layout.fpm_socket(i).string()},
      {"CHILDREN", std::to_string(children)},
      {"DB_SOCKET", layout.mysql_socket().string()},
      // mysqli: "localhost" means the socket, an address means TCP to DB_PORT.
      {"DB_HOST", db_port == 0 ? "localhost" : "127.0.0.1"},
      {"DB_PORT", std::to_string(db_port)},
      {"DB_NAME", kDbName},
      {"DB_USER", kDbUser},
      {"DB_PASSWORD", kDbPassword},
  };
  // -F: foreground (the spawned pid is the master); -R: allow the root pool.
  return replica_process(layout, i, "php-fpm", "fpm", fpm_name(i), vars,
                         {bin.php_fpm.string(), "-F", "-R", "-y"}, assets_dir);
}

std::expected<ProcessSpec, std::string> nginx_spec(const Binaries& bin, const Layout& layout,
                                                   const Ports& ports, std::uint32_t i,
                                                   const fs::path& assets_dir) {
  if (auto ok = check_replica(i); !ok) return std::unexpected(ok.error());
  if (auto ok = detail::check_config_path(layout.dir); !ok) return std::unexpected(ok.error());
  const fs::path dir = layout.replica_dir(i);
  if (auto ok = detail::create_dirs(dir / "tmp"); !ok) return std::unexpected(ok.error());
  const Vars vars{
      {"TMP", (dir / "tmp").string()},
      {"PORT", std::to_string(ports.replica(i))},
      {"WWW", layout.www().string()},
      {"FPM_SOCKET", layout.fpm_socket(i).string()},
  };
  // -p: relative paths and the prefix stay in the replica's directory, never /usr/share/nginx.
  return replica_process(layout, i, "nginx", "nginx", nginx_name(i), vars,
                         {bin.nginx.string(), "-p", dir.string() + "/", "-c"}, assets_dir);
}

std::expected<ProcessSpec, std::string> haproxy_spec(const Binaries& bin, const Layout& layout,
                                                     const Ports& ports, std::uint32_t max_replicas,
                                                     const FrontendOptions& front,
                                                     const fs::path& assets_dir) {
  if (max_replicas < 1 || max_replicas > kMaxReplicas) {
    return std::unexpected("stack: max replicas must be 1.." + std::to_string(kMaxReplicas) +
                           ", got " + std::to_string(max_replicas));
  }
  if (auto ok = detail::check_config_path(layout.dir); !ok) return std::unexpected(ok.error());
  if (auto ok = detail::check_socket_path(layout.haproxy_socket()); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = detail::create_dirs(layout.haproxy_dir()); !ok) return std::unexpected(ok.error());
  if (auto ok = make_self_signed({layout.tls_cert(), layout.tls_key(), layout.haproxy_pem()});
      !ok) {
    return std::unexpected(ok.error());
  }
  const fs::path conf = layout.haproxy_dir() / "haproxy.cfg";
  const Vars vars{
      {"ADMIN_SOCKET", layout.haproxy_socket().string()},
      {"PORT", std::to_string(ports.haproxy())},
      {"STATS_PORT", std::to_string(ports.stats())},
      {"MAX_REPLICAS", std::to_string(max_replicas)},
      {"HTTPS_PORT", std::to_string(ports.https())},
      {"TLS_PEM", layout.haproxy_pem().string()},
      {"HTTP_RULES", http_frontend_rules(front, ports.https())},
      {"HTTPS_RULES", https_frontend_rules(front)},
      {"LIMITS_TABLE", limits_table(front.limits)},
  };
  if (auto ok = detail::render_template(assets_dir / "config" / "haproxy.cfg.in", conf, vars);
      !ok) {
    return std::unexpected(ok.error());
  }
  ProcessSpec spec;
  spec.name = "haproxy";
  // -db: foreground, no daemon (and so no pidfile: the spawned pid is the one to track).
  spec.argv = {bin.haproxy.string(), "-db", "-f", conf.string()};
  spec.log = layout.logs() / "haproxy.log";
  spec.cwd = layout.dir;
  spec.stop_signal = SIGTERM;
  return spec;
}

bool mariadb_ready(const Layout& layout) {
  return detail::unix_socket_accepts(layout.mysql_socket());
}

bool fpm_ready(const Layout& layout, std::uint32_t i) {
  return detail::unix_socket_accepts(layout.fpm_socket(i));
}

}  // namespace lg::stack
