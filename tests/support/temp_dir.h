// A fresh, uniquely named directory under the system temp dir (mkdtemp), removed with
// everything in it at scope exit.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace lg::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lg-test") {
    std::string pattern = std::filesystem::temp_directory_path() / (prefix + "-XXXXXX");
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
