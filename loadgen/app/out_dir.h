// The --out folder of a run, claimed before anything starts (DESIGN.md section 8: "--out is
// proven writable before the first request; an existing result is not overwritten unless
// asked"). Claiming it creates it (mkdir -p), locks it for this run (flock on DIR/.loadgen.lock,
// which holds the pid), refuses a folder that already holds a result.json unless told to
// overwrite, and proves it writable by writing and removing a probe file. The lock is held
// until the OutDir is destroyed, so two runs on one folder can never both write it.
#pragma once
#include <sys/types.h>

#include <ctime>
#include <expected>
#include <filesystem>
#include <string>
#include <utility>

namespace lg::app {

inline constexpr const char* kOutLockFile = ".loadgen.lock";

struct OutDirError {
  int exit_code = 0;    // kExitInvalidInput: in use, or holds a result; else kExitEnvironment
  std::string message;  // names the path and, for a system error, its errno text
};

class OutDir {
 public:
  // `--out DIR`: the folder as given (created if missing).
  static std::expected<OutDir, OutDirError> claim(const std::filesystem::path& dir, bool overwrite);
  // No --out: a folder BASE/STEM that no run has used, made with mkdir (not -p) so that two
  // runs started in the same second never share it: BASE/STEM, else BASE/STEM-2, -3, ...
  static std::expected<OutDir, OutDirError> claim_new(const std::filesystem::path& base,
                                                      const std::string& stem);

  OutDir(OutDir&& other) noexcept;
  OutDir& operator=(OutDir&& other) noexcept;
  OutDir(const OutDir&) = delete;
  OutDir& operator=(const OutDir&) = delete;
  // Releases the lock (removing the lock file if it is still ours); a folder this claim
  // created and the run left empty (it stopped before writing anything) is removed too.
  ~OutDir();

  const std::filesystem::path& path() const { return dir_; }

 private:
  OutDir(std::filesystem::path dir, bool created, int lock_fd, dev_t dev, ino_t ino)
      : dir_(std::move(dir)), created_(created), lock_fd_(lock_fd), dev_(dev), ino_(ino) {}
  static std::expected<OutDir, OutDirError> lock(const std::filesystem::path& dir, bool created,
                                                 bool overwrite);
  void release() noexcept;

  std::filesystem::path dir_;
  bool created_ = false;  // this claim made the folder
  int lock_fd_ = -1;
  dev_t dev_ = 0;  // the lock file's identity: only that file is removed on release
  ino_t ino_ = 0;
};

// The default folder's name: NAME-YYYYMMDD-HHMMSS (local time), NAME with '/' and other
// characters that do not belong in one path component replaced by '_'.
std::string default_out_stem(const std::string& name, std::time_t now);

// Where result.json goes when its folder cannot take it at the end of a run: the system temp
// folder (std::filesystem::temp_directory_path, i.e. $TMPDIR or /tmp), as
// loadgen-result-<pid>-<unix seconds>.json.
std::filesystem::path fallback_result_path(std::time_t now);

}  // namespace lg::app
