#pragma once

// Reading untrusted guest images: every problem is an ImageError whose text
// reads "FILE: offset 0x..: reason" (or "FILE: what: reason" when the file
// cannot be read at all).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <hvmtool/error.hpp>

namespace hvmtool::common {

std::string hex(std::uint64_t v);

[[noreturn]] void image_fail(const std::string& file, std::uint64_t offset, const std::string& reason);

// The whole file; `what` names it in messages ("kernel", "ramdisk"). `max`
// (0 = none) bounds the size. An empty file is an error.
std::vector<std::byte> read_image(const std::filesystem::path& p, const std::string& what, std::uint64_t max = 0);

// Little-endian reads at offsets the caller has already bounds-checked.
template <typename T>
T load(std::span<const std::byte> bytes, std::uint64_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

}  // namespace hvmtool::common
