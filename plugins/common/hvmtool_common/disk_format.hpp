#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <hvmtool/config.hpp>

#include "hvmtool_common/disk_image.hpp"

namespace hvmtool::common {

// One disk format: how the bytes of an image file become the disk a guest
// sees. Each format is one file (disk_format_raw.cpp) whose DiskFormat is
// listed in the table in disk_format.cpp: an explicit table, since the
// plugins link this code as a static library and the linker would drop a
// file that only registered itself from a static initializer.
struct DiskFormat {
  std::string_view name;         // as written in `disks[].format`
  std::string_view description;  // one line, for messages and docs
  // Opens the image read-only; throws ImageError "PATH: reason".
  std::unique_ptr<DiskImage> (*open)(const std::filesystem::path& path);
};

// The format called `name`, or nullptr.
const DiskFormat* find_disk_format(std::string_view name);

// Every format's name, in table order.
std::vector<std::string_view> disk_format_names();

// `path` opened as `format`; an unknown format is an Error
// "PATH: disk format 'NAME' is not supported (known: raw)".
std::unique_ptr<DiskImage> open_disk(const std::filesystem::path& path, std::string_view format);

// For a stage's check_domain (at load): a ConfigError in the loader's
// wording unless a format in the table reads `domain.disks[index]`:
//   FILE:LINE:COL: field 'domain.disks[0].format': expected raw, got "qcow2"
void check_disk_format(const DomainConfig& domain, std::size_t index);

}  // namespace hvmtool::common
