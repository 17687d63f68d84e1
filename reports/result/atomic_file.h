// Writing a file so that readers only ever see a complete one: a per-process temporary file
// beside it, renamed into place (rename is atomic within a directory). Creates the directory.
#pragma once
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace lg::reports {

std::expected<std::filesystem::path, std::string> write_atomically(
    std::string_view text, const std::filesystem::path& file);

}  // namespace lg::reports
