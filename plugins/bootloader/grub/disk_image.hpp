#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::grub {

// A raw disk image (a regular file or a block device), opened read-only.
// Every read is bounds-checked against the image's size: a table or header
// that points past the end is reported, never read.
class DiskImage {
 public:
  explicit DiskImage(std::filesystem::path path);
  ~DiskImage();
  DiskImage(const DiskImage&) = delete;
  DiskImage& operator=(const DiskImage&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }

  // Exactly `length` bytes at `offset`, or ImageError
  // "PATH: truncated: WHAT (LENGTH bytes at byte OFFSET) ends beyond the image's SIZE bytes".
  std::vector<std::uint8_t> read(std::uint64_t offset, std::size_t length, std::string_view what) const;

  // Throws ImageError "PATH: MESSAGE".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace hvmtool::grub
