#include "faults/leftovers.hpp"

namespace hvmtool::faults {

namespace fs = std::filesystem;

std::string files_under(const fs::path& dir) {
  std::string out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
    if (!entry.is_directory()) out += fs::relative(entry.path(), dir).string() + "\n";
  return out;
}

std::string registry_entries(const fs::path& root) {
  std::string out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() && name != ".lock" && name != ".next-id")
      out += fs::relative(entry.path(), root).string() + "\n";
  }
  return out;
}

}  // namespace hvmtool::faults
