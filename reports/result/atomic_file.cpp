#include "reports/result/atomic_file.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

namespace lg::reports {

std::expected<std::filesystem::path, std::string> write_atomically(
    std::string_view text, const std::filesystem::path& file) {
  std::error_code ec;
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected("cannot create " + dir.string() + ": " + ec.message());
  // Per process: concurrent writers (shards on a shared volume) never share a temporary name.
  const auto tmp = dir / ("." + file.filename().string() + "." + std::to_string(getpid()) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return std::unexpected("cannot write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    const auto msg = "cannot rename into " + file.string() + ": " + ec.message();
    std::filesystem::remove(tmp, ec);
    return std::unexpected(msg);
  }
  return file;
}

}  // namespace lg::reports
