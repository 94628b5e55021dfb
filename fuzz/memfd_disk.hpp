#pragma once

// A fuzz input as a disk image file: the bootloader opens its disk by path
// (common::open_disk; libext2fs reads through that DiskImage), so the bytes
// go into one memfd, reused across inputs, named /proc/self/fd/N.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace hvmtool::fuzz {

class MemfdDisk {
 public:
  MemfdDisk() : fd_(::memfd_create("hvmtool-fuzz-disk", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemfdDisk() { ::close(fd_); }
  MemfdDisk(const MemfdDisk&) = delete;
  MemfdDisk& operator=(const MemfdDisk&) = delete;

  // The file now holds exactly these bytes.
  const std::string& put(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace hvmtool::fuzz
