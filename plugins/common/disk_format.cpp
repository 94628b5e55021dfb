#include "hvmtool_common/disk_format.hpp"

#include <array>

#include <hvmtool/error.hpp>

#include "hvmtool_common/guest_text.hpp"

namespace hvmtool::common {

// Each defined in its own file (disk_format_NAME.cpp).
extern const DiskFormat kRawDiskFormat;

namespace {

// A new format: its file, and one line here.
const std::array<const DiskFormat*, 1> kDiskFormats = {&kRawDiskFormat};

}  // namespace

const DiskFormat* find_disk_format(std::string_view name) {
  for (const DiskFormat* f : kDiskFormats)
    if (f->name == name) return f;
  return nullptr;
}

std::vector<std::string_view> disk_format_names() {
  std::vector<std::string_view> names;
  for (const DiskFormat* f : kDiskFormats) names.push_back(f->name);
  return names;
}

std::unique_ptr<DiskImage> open_disk(const std::filesystem::path& path, std::string_view format) {
  const DiskFormat* f = find_disk_format(format);
  if (!f) {
    std::string known;
    for (std::string_view n : disk_format_names()) known += (known.empty() ? "" : ", ") + std::string(n);
    throw Error(path.string() + ": disk format " + guest_quote(format) + " is not supported (known: " + known + ")");
  }
  return f->open(path);
}

}  // namespace hvmtool::common
