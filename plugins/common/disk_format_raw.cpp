// The `raw` disk format: the image's bytes are the disk's bytes. The image
// is a regular file or a block device.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <hvmtool/error.hpp>

#include "hvmtool_common/disk_format.hpp"

namespace hvmtool::common {

namespace {

class RawDisk final : public DiskImage {
 public:
  RawDisk(const std::filesystem::path& path, int fd, std::uint64_t size) : DiskImage(path, size), fd_(fd) {}
  ~RawDisk() override { ::close(fd_); }

 private:
  void read_inside(std::uint64_t offset, std::span<std::uint8_t> into, std::string_view what) const override {
    std::size_t done = 0;
    while (done < into.size()) {
      const ssize_t n = ::pread(fd_, into.data() + done, into.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("read error at byte " + std::to_string(offset + done) + ": " + std::strerror(errno));
      if (n == 0)
        fail("truncated: " + std::string(what) + ": the image ended at byte " + std::to_string(offset + done) +
             " while reading");
      done += static_cast<std::size_t>(n);
    }
  }

  int fd_;
};

std::unique_ptr<DiskImage> open_raw(const std::filesystem::path& path) {
  auto fail = [&](const std::string& what, int err) {
    throw ImageError(path.string() + ": " + what + ": " + std::strerror(err));
  };
  // O_NONBLOCK: a FIFO named as a disk must not block the open; it is
  // refused as neither a file nor a block device right after.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) fail("cannot open disk image", errno);
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail("cannot stat disk image", errno);
    std::uint64_t size = 0;
    if (S_ISREG(st.st_mode))
      size = static_cast<std::uint64_t>(st.st_size);
    else if (!S_ISBLK(st.st_mode))
      throw ImageError(path.string() + ": not a regular file or block device");
    else if (::ioctl(fd, BLKGETSIZE64, &size) != 0)
      fail("cannot read the block device's size", errno);
    return std::make_unique<RawDisk>(path, fd, size);
  } catch (...) {
    ::close(fd);
    throw;
  }
}

}  // namespace

extern const DiskFormat kRawDiskFormat;
const DiskFormat kRawDiskFormat{"raw", "the image's bytes are the disk's bytes (a file or a block device)", open_raw};

}  // namespace hvmtool::common
