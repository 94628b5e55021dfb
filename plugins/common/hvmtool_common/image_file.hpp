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

// Little-endian reads at offsets the caller has already bounds-checked.
template <typename T>
T load(std::span<const std::byte> bytes, std::uint64_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

}  // namespace hvmtool::common
