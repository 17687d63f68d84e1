#include "loadgen/app/out_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include "loadgen/core/exit_codes.h"

namespace lg::app {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

OutDirError env_error(const fs::path& dir, const std::string& what, int err) {
  return {kExitEnvironment, "--out " + dir.string() + ": " + what + ": " + errno_text(err)};
}

// Writes all of `text` at offset 0 of fd; 0 or the errno.
int write_all(int fd, std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// The holder's pid as it wrote it into the lock file ("" if it has not yet).
std::string read_holder(int fd) {
  char buf[32] = {};
  const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string s(buf, static_cast<std::size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Writes and removes a probe file: proves that DIR takes a new file's data, not only that its
// permission bits look right (a read-only mount, a full disk, /proc all fail here).
std::expected<void, OutDirError> probe(const fs::path& dir) {
  const auto file = dir / (".loadgen-probe-" + std::to_string(::getpid()));
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(env_error(dir, "cannot create " + file.string(), errno));
  // The size of a small result: a disk too full for it is found now, not after the run.
  const std::string block(4096, '\n');
  int err = write_all(fd, block);
  if (err == 0 && ::fsync(fd) != 0 && errno != EINVAL) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  const int unlink_err = ::unlink(file.c_str()) == 0 ? 0 : errno;
  if (err != 0) return std::unexpected(env_error(dir, "cannot write " + file.string(), err));
  if (unlink_err != 0)
    return std::unexpected(env_error(dir, "cannot remove " + file.string(), unlink_err));
  return {};
}

}  // namespace

std::expected<OutDir, OutDirError> OutDir::claim(const fs::path& dir, bool overwrite) {
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) {
    std::error_code ignored;
    const bool not_folder = fs::exists(dir, ignored) && !fs::is_directory(dir, ignored);
    return std::unexpected(env_error(
        dir, not_folder ? "exists and is not a folder" : "cannot create the folder", ec.value()));
  }
  if (!fs::is_directory(dir, ec))
    return std::unexpected(env_error(dir, "is not a folder", ec ? ec.value() : ENOTDIR));
  return lock(dir, created, overwrite);
}

std::expected<OutDir, OutDirError> OutDir::lock(const fs::path& dir, bool created, bool overwrite) {
  std::error_code ec;
  const auto lock_path = dir / kOutLockFile;
  // The lock file is removed on release; a run that opened it just before then would lock a
  // file no longer in the folder. So after locking, check that the path still names the file
  // locked, and start over if not (bounded: each retry means another run just finished).
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return std::unexpected(env_error(dir, "cannot create " + lock_path.string(), errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const auto holder = read_holder(fd);
        ::close(fd);
        return std::unexpected(OutDirError{
            kExitInvalidInput,
            "--out " + dir.string() + ": in use by another loadgen run (" +
                (holder.empty() ? std::string("pid not yet written") : "pid " + holder) +
                ", holding " + lock_path.string() +
                "); wait for it to finish, or give another --out"});
      }
      ::close(fd);
      return std::unexpected(env_error(dir, "cannot lock " + lock_path.string(), err));
    }
    struct stat held {
    }, named{};
    if (::fstat(fd, &held) != 0 || ::stat(lock_path.c_str(), &named) != 0 ||
        held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
      ::close(fd);
      continue;
    }
    OutDir out(dir, created, fd, held.st_dev, held.st_ino);
    const auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0)
      return std::unexpected(env_error(dir, "cannot write " + lock_path.string(), errno));
    if (const int err = write_all(fd, pid); err != 0)
      return std::unexpected(env_error(dir, "cannot write " + lock_path.string(), err));
    const auto result = dir / "result.json";
    if (!overwrite && fs::exists(fs::symlink_status(result, ec)))
      return std::unexpected(OutDirError{
          kExitInvalidInput, "--out " + dir.string() + ": already holds a result (" +
                                 result.string() +
                                 "); give --overwrite to replace it, or another --out"});
    if (auto ok = probe(dir); !ok) return std::unexpected(ok.error());
    return out;
  }
  return std::unexpected(OutDirError{
      kExitEnvironment,
      "--out " + dir.string() + ": " + lock_path.string() + " kept changing while locking it"});
}

std::expected<OutDir, OutDirError> OutDir::claim_new(const fs::path& base,
                                                     const std::string& stem) {
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) return std::unexpected(env_error(base, "cannot create the folder", ec.value()));
  for (int k = 1; k <= 10'000; ++k) {
    const auto dir = base / (k == 1 ? stem : stem + "-" + std::to_string(k));
    if (::mkdir(dir.c_str(), 0777) == 0) return lock(dir, true, false);
    if (errno != EEXIST) return std::unexpected(env_error(dir, "cannot create the folder", errno));
  }
  return std::unexpected(OutDirError{
      kExitEnvironment, "--out: no free folder name under " + base.string() + " for " + stem});
}

OutDir::OutDir(OutDir&& other) noexcept
    : dir_(std::move(other.dir_)),
      created_(other.created_),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      dev_(other.dev_),
      ino_(other.ino_) {}

OutDir& OutDir::operator=(OutDir&& other) noexcept {
  if (this != &other) {
    release();
    dir_ = std::move(other.dir_);
    created_ = other.created_;
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    dev_ = other.dev_;
    ino_ = other.ino_;
  }
  return *this;
}

OutDir::~OutDir() {
  release();
}

void OutDir::release() noexcept {
  if (lock_fd_ < 0) return;
  // Removed while still locked, and only if the path still names our file (the folder may
  // have been moved or replaced meanwhile): a waiting run then finds it gone and starts over.
  const auto lock_path = dir_ / kOutLockFile;
  struct stat named {};
  if (::stat(lock_path.c_str(), &named) == 0 && named.st_dev == dev_ && named.st_ino == ino_)
    ::unlink(lock_path.c_str());
  ::close(lock_fd_);
  lock_fd_ = -1;
  if (created_) ::rmdir(dir_.c_str());  // fails, harmlessly, unless the folder is empty
}

std::string default_out_stem(const std::string& name, std::time_t now) {
  std::string clean = name.empty() ? std::string("run") : name;
  for (auto& ch : clean) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
    if (!ok) ch = '_';
  }
  if (clean.starts_with('.')) clean[0] = '_';  // never "." or "..", never hidden
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return clean + "-" + stamp;
}

fs::path fallback_result_path(std::time_t now) {
  std::error_code ec;
  auto tmp = fs::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  return tmp / ("loadgen-result-" + std::to_string(::getpid()) + "-" +
                std::to_string(static_cast<long long>(now)) + ".json");
}

}  // namespace lg::app
