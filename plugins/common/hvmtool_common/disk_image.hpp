#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::common {

// A guest's disk as the guest sees it, read-only, whatever the format of
// the file behind it (hvmtool_common/disk_format.hpp opens one). Every read
// is bounds-checked against the disk's size: a table or header that points
// past the end is reported, never read. Reads are const and keep no
// position, so threads may share one disk.
class DiskImage {
 public:
  virtual ~DiskImage() = default;
  DiskImage(const DiskImage&) = delete;
  DiskImage& operator=(const DiskImage&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }

  // Exactly `length` bytes at `offset`, or ImageError
  // "PATH: truncated: WHAT (LENGTH bytes at byte OFFSET) ends beyond the image's SIZE bytes".
  std::vector<std::uint8_t> read(std::uint64_t offset, std::size_t length, std::string_view what) const;

  // The same into the caller's buffer (a block reader's, reused).
  void read_into(std::uint64_t offset, std::span<std::uint8_t> into, std::string_view what) const;

  // Throws ImageError "PATH: MESSAGE".
  [[noreturn]] void fail(const std::string& message) const;

 protected:
  DiskImage(std::filesystem::path path, std::uint64_t size) : path_(std::move(path)), size_(size) {}

 private:
  void check_inside(std::uint64_t offset, std::uint64_t length, std::string_view what) const;
  // The format's read of `into.size()` bytes at `offset`, which the caller
  // has checked lie inside size().
  virtual void read_inside(std::uint64_t offset, std::span<std::uint8_t> into, std::string_view what) const = 0;

  std::filesystem::path path_;
  std::uint64_t size_ = 0;
};

}  // namespace hvmtool::common
