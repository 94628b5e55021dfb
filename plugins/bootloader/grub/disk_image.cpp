#include "disk_image.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <hvmtool/error.hpp>

namespace hvmtool::grub {

DiskImage::DiskImage(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(path_.string() + ": cannot open disk image: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    throw Error(path_.string() + ": cannot stat disk image: " + std::strerror(e));
  }
  if (S_ISREG(st.st_mode)) {
    size_ = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISBLK(st.st_mode)) {
    if (::ioctl(fd_, BLKGETSIZE64, &size_) != 0) {
      const int e = errno;
      ::close(fd_);
      throw Error(path_.string() + ": cannot read the block device's size: " + std::strerror(e));
    }
  } else {
    ::close(fd_);
    throw Error(path_.string() + ": not a regular file or block device");
  }
}

DiskImage::~DiskImage() {
  if (fd_ >= 0) ::close(fd_);
}

void DiskImage::fail(const std::string& message) const { throw ImageError(path_.string() + ": " + message); }

std::vector<std::uint8_t> DiskImage::read(std::uint64_t offset, std::size_t length, std::string_view what) const {
  if (offset > size_ || length > size_ - offset)
    fail("truncated: " + std::string(what) + " (" + std::to_string(length) + " bytes at byte " +
         std::to_string(offset) + ") ends beyond the image's " + std::to_string(size_) + " bytes");
  std::vector<std::uint8_t> buf(length);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd_, buf.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read error at byte " + std::to_string(offset + done) + ": " + std::strerror(errno));
    if (n == 0)
      fail("truncated: " + std::string(what) + ": the image ended at byte " + std::to_string(offset + done) +
           " while reading");
    done += static_cast<std::size_t>(n);
  }
  return buf;
}

}  // namespace hvmtool::grub
