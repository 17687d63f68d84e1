// A fresh, uniquely named directory (mkdtemp), removed with everything in it at scope exit.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace lg::test {

class TempDir {
 public:
  // PARENT/PREFIX-XXXXXX. The parent defaults to the system temp dir ($TMPDIR, else /tmp); tests
  // that bind unix sockets inside pass "/tmp", since a socket path must fit in 108 bytes.
  explicit TempDir(const std::string& prefix = "lg-test",
                   const std::filesystem::path& parent = std::filesystem::temp_directory_path()) {
    std::string pattern = parent / (prefix + "-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace lg::test
