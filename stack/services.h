// The stack's services as data: where their binaries are, their configs rendered from
// stack/config/*.in into the run directory, and the ProcessSpec that starts each of them.
// Nothing here starts a long-running process; the supervisor does that with these specs.
// The one exception is prepare_mariadb, which runs mariadb-install-db (once per template).
//
// Assets (templates, the PHP app, the SQL) are read from `assets_dir`, the source tree's stack/
// folder by default:
//   assets_dir/config/{nginx.conf,php-fpm.conf,haproxy.cfg}.in   @VAR@ placeholders
//   assets_dir/app/index.php, assets_dir/app/static/hello.txt    copied to layout.www()
//   assets_dir/sql/init.sql                                       schema, app user, seed rows
#pragma once
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "stack/haproxy_frontends.h"
#include "stack/layout.h"
#include "stack/process_spec.h"

namespace lg::stack {

// The app's MariaDB account, created by stack/sql/init.sql (keep the two in step). A test
// stack on loopback: the password keeps the app off the passwordless root account, no more.
inline constexpr const char* kDbName = "app";
inline constexpr const char* kDbUser = "app";
inline constexpr const char* kDbPassword = "app-secret";

inline constexpr std::uint32_t kDefaultFpmChildren = 4;
// Ports::replica(i) must stay inside the port block.
inline constexpr std::uint32_t kMaxReplicas = Ports::kReplicaRange - 11;

struct Binaries {
  std::filesystem::path haproxy;
  std::filesystem::path nginx;
  std::filesystem::path mariadbd;
  std::filesystem::path mariadb_install_db;
  std::filesystem::path php_fpm;  // php-fpm8.2, else the newest php-fpmX.Y found
};

// Looks in $PATH and then the sbin/bin directories (root's PATH may lack /usr/sbin). Also
// checks that PHP-FPM has mysqli (a separate package). The error names every missing piece
// with its apt package and ends with one `apt-get install -y ...` line for all of them.
std::expected<Binaries, std::string> find_binaries();

// $LG_STACK_ASSETS_DIR if set, else the compile definition LG_STACK_ASSETS_DIR (the source
// tree's stack/), else "stack" relative to the working directory.
std::filesystem::path default_assets_dir();

// Creates the run directory's shared parts: log/, tmp/, haproxy/, and www/ as a copy of
// assets_dir/app (a copy, so editing the source tree never changes a running stack).
std::expected<void, std::string> prepare_run_dir(
    const Layout& layout, const std::filesystem::path& assets_dir = default_assets_dir());

// Where MariaDB datadir templates are cached: $XDG_CACHE_HOME/loadgen, else
// $HOME/.cache/loadgen, else /var/tmp/loadgen-cache. Per user and kept across reboots (unlike
// /tmp), and needs no root (unlike /var/cache).
std::filesystem::path default_cache_dir();

struct MariadbPrepared {
  std::filesystem::path template_dir;      // cache_dir/mariadb-<version>-<key>
  bool created = false;                    // this call ran mariadb-install-db
  std::chrono::milliseconds init_time{0};  // mariadb-install-db, when created
  std::chrono::milliseconds copy_time{0};  // template -> layout.mysql_datadir()
};

// Makes layout.mysql_datadir() a fresh copy of the datadir template, creating the template
// first if needed. The template is keyed by the mariadbd version, init.sql and the init flags,
// so an upgrade or a schema change makes a new one. Creation is atomic: install-db runs in a
// staging directory that is renamed into place only after it succeeded (a killed init leaves
// only a staging directory, removed by a later call once its pid is gone); when two processes
// race, the first rename wins and the other uses it. install-db's output goes to
// layout.logs()/mariadb-install.log. Needs prepare_run_dir first.
std::expected<MariadbPrepared, std::string> prepare_mariadb(
    const Binaries& bin, const Layout& layout,
    const std::filesystem::path& cache_dir = default_cache_dir(),
    const std::filesystem::path& assets_dir = default_assets_dir());

// mariadbd on ports.mariadb() and layout.mysql_socket(), all files in the run directory.
// The datadir must have been prepared (prepare_mariadb). Stop: SIGTERM.
std::expected<ProcessSpec, std::string> mariadb_spec(const Binaries& bin, const Layout& layout,
                                                     const Ports& ports);

// Replica i (1-based): its PHP-FPM pool, `children` static workers, listening on
// layout.fpm_socket(i); config at replica_dir(i)/php-fpm.conf. Stop: SIGQUIT.
// `db_port` 0: the app reaches MariaDB on its unix socket; else over TCP on 127.0.0.1:db_port
// (the fault proxy's route to it, Ports::db_proxy).
std::expected<ProcessSpec, std::string> fpm_spec(
    const Binaries& bin, const Layout& layout, std::uint32_t i,
    std::uint32_t children = kDefaultFpmChildren,
    const std::filesystem::path& assets_dir = default_assets_dir(), std::uint16_t db_port = 0);

// Replica i's nginx on ports.replica(i): /health and /nginx_status answered by nginx itself,
// /static/ from www/static, everything else to replica i's FPM socket. Config and temp paths
// under replica_dir(i). Stop: SIGQUIT (graceful; the group is killed after the timeout).
std::expected<ProcessSpec, std::string> nginx_spec(
    const Binaries& bin, const Layout& layout, const Ports& ports, std::uint32_t i,
    const std::filesystem::path& assets_dir = default_assets_dir());

// HAProxy: plain HTTP on ports.haproxy(), HTTPS on ports.https() with a certificate made
// now (layout.tls_*()), the rules of `front` on both (haproxy_frontends.h), stats page and
// /metrics on ports.stats(), backend be_web with slots web1..web<max_replicas> (disabled,
// 127.0.0.1:1) for the runtime API to point at replicas; admin socket
// layout.haproxy_socket(). Stop: SIGTERM.
std::expected<ProcessSpec, std::string> haproxy_spec(
    const Binaries& bin, const Layout& layout, const Ports& ports, std::uint32_t max_replicas,
    const FrontendOptions& front = {},
    const std::filesystem::path& assets_dir = default_assets_dir());

// Readiness: the unix socket accepts a connection (a stale socket file left by a killed
// process does not count). MariaDB creates its socket only once it is ready for queries.
bool mariadb_ready(const Layout& layout);
bool fpm_ready(const Layout& layout, std::uint32_t i);

}  // namespace lg::stack
