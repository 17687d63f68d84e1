// Whole files as strings, for tests: what a run wrote, a fixture, a /proc entry.
#pragma once
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace lg::test {

// The file's bytes; empty if it cannot be opened.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the file's content with `text`.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace lg::test
