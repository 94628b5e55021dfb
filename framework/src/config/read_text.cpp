#include "config/read_text.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "hvmtool/error.hpp"

namespace hvmtool::config {
namespace {

[[noreturn]] void io_error(const std::filesystem::path& file, std::string_view what, int err) {
  throw ConfigError(file.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

}  // namespace

std::string read_text_file(const std::filesystem::path& file) {
  // POSIX I/O rather than ifstream: the message should carry the real errno.
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_error(file, "cannot open", errno);
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      io_error(file, "cannot read", err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace hvmtool::config
