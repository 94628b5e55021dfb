#pragma once

// Reading untrusted guest images: every problem is an ImageError whose text
// reads "FILE: offset 0x..: reason" (or "FILE: what: reason" when the file
// cannot be read at all).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <hvmtool/error.hpp>

namespace hvmtool::common {

std::string hex(std::uint64_t v);

[[noreturn]] void image_fail(const std::string& file, std::uint64_t offset, const std::string& reason);

// How large an image may be, and why, for the message when it is larger:
// "FILE: offset MAX: WHAT is SIZE bytes, more than WHY". `why` defaults to
// "the MAX allowed".
struct SizeCap {
  std::uint64_t max = 0;  // must be > 0: nothing is read without a cap
  std::string why;
};

// The size of a regular, non-empty file no larger than `cap`, from stat
// alone: nothing is read. `what` names it in messages ("kernel", "ramdisk").
std::uint64_t image_size(const std::filesystem::path& p, const std::string& what, const SizeCap& cap);

// The whole file, after the same checks made on the open file (fstat)
// before anything is allocated; read in chunks with `check` (cancellation;
// it may throw) called before each. A file that shrinks while it is read is
// an error; bytes it grows by are not read.
std::vector<std::byte> read_image(const std::filesystem::path& p, const std::string& what, const SizeCap& cap,
                                  const std::function<void()>& check = {});

// An open image, checked as read_image checks it (regular, non-empty, within
// `cap`), for reading parts of it: a large ELF kernel's headers and notes to
// parse it, then its segments straight into guest memory, instead of the
// whole file through a buffer first.
class ImageFile {
 public:
  ImageFile(const std::filesystem::path& p, const std::string& what, const SizeCap& cap);
  ~ImageFile();
  ImageFile(const ImageFile&) = delete;
  ImageFile& operator=(const ImageFile&) = delete;

  std::uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // Exactly `len` bytes at `offset` (inside size()) into `dst`, in chunks
  // with `check` before each; a file that shrank is an error naming the
  // offset.
  void read_at(std::uint64_t offset, std::uint64_t len, std::byte* dst, const std::function<void()>& check = {}) const;

 private:
  std::filesystem::path path_;
  std::string what_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// A file's bytes at their offsets, of the file's full size, of which only
// some ranges were read: the rest reads as zeros, and costs neither reading
// nor memory (an anonymous mapping whose untouched pages are never
// allocated). For parsers that only look at those ranges.
class SparseImage {
 public:
  struct Range {
    std::uint64_t offset = 0, size = 0;
  };
  // Reads each range, clipped to the file.
  SparseImage(const ImageFile& file, const std::vector<Range>& ranges);
  ~SparseImage();
  SparseImage(const SparseImage&) = delete;
  SparseImage& operator=(const SparseImage&) = delete;
  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// Little-endian reads at offsets the caller has already bounds-checked.
template <typename T>
T load(std::span<const std::byte> bytes, std::uint64_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

}  // namespace hvmtool::common
