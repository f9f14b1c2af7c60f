#include "launch/spur_config.h"

#include <filesystem>

namespace spur {

std::string resolveSourcePath(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::path(path).is_absolute() || fs::exists(path)) return path;
  const fs::path in_tree = fs::path(SPUR_SOURCE_DIR) / path;
  return fs::exists(in_tree) ? in_tree.string() : path;
}

}  // namespace spur
