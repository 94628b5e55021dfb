#include "hvmtool_common/disk_format.hpp"

#include <array>

#include <hvmtool/error.hpp>
#include <hvmtool/field_check.hpp>

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

void check_disk_format(const DomainConfig& domain, std::size_t index) {
  const DiskConfig& disk = domain.disks.at(index);
  if (find_disk_format(disk.format)) return;
  std::vector<std::string> names;
  for (std::string_view n : disk_format_names()) names.emplace_back(n);
  std::string what;
  for (std::size_t i = 0; i < names.size(); ++i)
    what += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  fail_field(disk.where, "domain.disks[" + std::to_string(index) + "].format",
             expected_one_of(what + " (the disk formats hvmtool reads)", disk.format, names));
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
