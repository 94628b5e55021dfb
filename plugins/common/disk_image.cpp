#include "hvmtool_common/disk_image.hpp"

#include <hvmtool/error.hpp>

namespace hvmtool::common {

void DiskImage::fail(const std::string& message) const { throw ImageError(path_.string() + ": " + message); }

void DiskImage::check_inside(std::uint64_t offset, std::uint64_t length, std::string_view what) const {
  if (offset > size_ || length > size_ - offset)
    fail("truncated: " + std::string(what) + " (" + std::to_string(length) + " bytes at byte " +
         std::to_string(offset) + ") ends beyond the image's " + std::to_string(size_) + " bytes");
}

void DiskImage::read_into(std::uint64_t offset, std::span<std::uint8_t> into, std::string_view what) const {
  check_inside(offset, into.size(), what);
  if (!into.empty()) read_inside(offset, into, what);
}

std::vector<std::uint8_t> DiskImage::read(std::uint64_t offset, std::size_t length, std::string_view what) const {
  check_inside(offset, length, what);  // before a hostile length sizes an allocation
  std::vector<std::uint8_t> buf(length);
  read_into(offset, buf, what);
  return buf;
}

}  // namespace hvmtool::common
