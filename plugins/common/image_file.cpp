#include "hvmtool_common/image_file.hpp"

#include <cerrno>
#include <cstdio>
#include <fstream>

namespace hvmtool::common {

namespace fs = std::filesystem;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void image_fail(const std::string& file, std::uint64_t offset, const std::string& reason) {
  throw ImageError(file + ": offset " + hex(offset) + ": " + reason);
}

std::vector<std::byte> read_image(const fs::path& p, const std::string& what, std::uint64_t max) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) {
    if (!fs::exists(p, ec)) throw ImageError(p.string() + ": " + what + ": No such file or directory");
    throw ImageError(p.string() + ": " + what + ": not a regular file");
  }
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  if (!in) throw ImageError(p.string() + ": " + what + ": cannot open: " + std::strerror(errno));
  const auto end = in.tellg();
  if (end < 0) throw ImageError(p.string() + ": " + what + ": cannot determine its size");
  const std::uint64_t size = static_cast<std::uint64_t>(end);
  if (size == 0) image_fail(p.string(), 0, what + " is empty");
  if (max && size > max)
    image_fail(p.string(), max, what + " is " + hex(size) + " bytes, more than the " + hex(max) + " allowed");
  std::vector<std::byte> bytes(size);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (!in) throw ImageError(p.string() + ": " + what + ": read error");
  return bytes;
}

}  // namespace hvmtool::common
