#include "image_checks.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include <hvmtool/error.hpp>
#include <hvmtool_common/image_file.hpp>

namespace hvmtool::firmware {

namespace fs = std::filesystem;

std::vector<std::byte> read_head(const fs::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::byte> head(n);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

std::uint64_t check_file(const fs::path& p, const std::string& what, std::uint64_t max) {
  std::error_code ec;
  fs::file_status st = fs::status(p, ec);
  if (ec || !fs::exists(st)) throw ImageError(p.string() + ": " + what + ": " + std::strerror(ENOENT));
  if (!fs::is_regular_file(st)) throw ImageError(p.string() + ": " + what + ": not a regular file");
  std::uint64_t size = fs::file_size(p, ec);
  if (ec) throw ImageError(p.string() + ": " + what + ": " + ec.message());
  if (size == 0) throw ImageError(p.string() + ": offset 0x0: " + what + " is empty");
  if (max && size > max)
    throw ImageError(p.string() + ": offset " + common::hex(max) + ": " + what + " is " + common::hex(size) +
                     " bytes, more than the " + common::hex(max) + " allowed");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ImageError(p.string() + ": " + what + ": cannot open: " + std::strerror(errno));
  return size;
}

}  // namespace hvmtool::firmware
