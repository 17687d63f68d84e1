// Helpers shared by the stack tests: a temporary directory, bounded waiting on a condition,
// and a fake clock for the Supervisor's deadlines.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>

namespace lg::test {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lg-stack-test-XXXXXX");
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

// Polls `condition` every 2 ms until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool wait_until(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Time that moves only when the code under test sleeps.
struct FakeClock {
  std::chrono::steady_clock::time_point t{};
  int sleeps = 0;
  std::chrono::steady_clock::time_point now() const { return t; }
  void sleep_for(std::chrono::milliseconds d) {
    t += d;
    ++sleeps;
  }
};

}  // namespace lg::test
