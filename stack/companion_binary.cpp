#include "stack/companion_binary.h"

#include <cstdlib>
#include <system_error>

namespace lg::stack {

std::filesystem::path companion_binary(const char* env_var, const char* built, const char* name) {
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (built != nullptr && std::filesystem::exists(built, ec)) return built;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return self.parent_path() / name;
  return name;
}

}  // namespace lg::stack
