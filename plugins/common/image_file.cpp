#include "hvmtool_common/image_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace hvmtool::common {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 16u << 20;  // between cancellation checks

// The checks every image passes before a byte of it is read.
std::uint64_t checked_size(const struct stat& st, const fs::path& p, const std::string& what, const SizeCap& cap) {
  if (cap.max == 0) throw Error(p.string() + ": " + what + ": no size limit given (a bug: nothing is read uncapped)");
  if (!S_ISREG(st.st_mode)) throw ImageError(p.string() + ": " + what + ": not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) image_fail(p.string(), 0, what + " is empty");
  if (size > cap.max)
    image_fail(p.string(), cap.max,
               what + " is " + hex(size) + " bytes, more than " +
                   (cap.why.empty() ? "the " + hex(cap.max) + " allowed" : cap.why));
  return size;
}

[[noreturn]] void open_fail(const fs::path& p, const std::string& what, int err) {
  if (err == ENOENT) throw ImageError(p.string() + ": " + what + ": No such file or directory");
  throw ImageError(p.string() + ": " + what + ": cannot open: " + std::strerror(err));
}

}  // namespace

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void image_fail(const std::string& file, std::uint64_t offset, const std::string& reason) {
  throw ImageError(file + ": offset " + hex(offset) + ": " + reason);
}

std::uint64_t image_size(const fs::path& p, const std::string& what, const SizeCap& cap) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) open_fail(p, what, errno);
  return checked_size(st, p, what, cap);
}

std::vector<std::byte> read_image(const fs::path& p, const std::string& what, const SizeCap& cap,
                                  const std::function<void()>& check) {
  const ImageFile file(p, what, cap);
  std::vector<std::byte> bytes(file.size());
  file.read_at(0, bytes.size(), bytes.data(), check);
  return bytes;
}

ImageFile::ImageFile(const fs::path& p, const std::string& what, const SizeCap& cap) : path_(p), what_(what) {
  // O_NONBLOCK: a FIFO named as a kernel must not block the open; it is
  // refused as "not a regular file" right after.
  fd_ = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) open_fail(p, what, errno);
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw ImageError(p.string() + ": " + what + ": cannot stat: " + std::strerror(errno));
    size_ = checked_size(st, p, what, cap);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ImageFile::~ImageFile() { ::close(fd_); }

void ImageFile::read_at(std::uint64_t offset, std::uint64_t len, std::byte* dst,
                        const std::function<void()>& check) const {
  if (offset > size_ || len > size_ - offset)
    throw Error(path_.string() + ": " + what_ + ": read of " + hex(offset) + "+" + hex(len) + " outside the " +
                hex(size_) + "-byte file (a bug: the caller checks)");
  std::uint64_t done = 0;
  while (done < len) {
    if (check) check();
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(len - done, kChunk));
    const ssize_t n = ::pread(fd_, dst + done, want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw ImageError(path_.string() + ": " + what_ + ": read error at offset " + hex(offset + done) + ": " +
                       std::strerror(errno));
    if (n == 0)
      image_fail(path_.string(), offset + done,
                 what_ + " shrank while being read (it was " + hex(size_) + " bytes when opened)");
    done += static_cast<std::uint64_t>(n);
  }
}

SparseImage::SparseImage(const ImageFile& file, const std::vector<Range>& ranges)
    : size_(static_cast<std::size_t>(file.size())) {
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    throw Error(file.path().string() + ": cannot reserve " + hex(size_) +
                " bytes to parse it: " + std::strerror(errno));
  data_ = static_cast<std::byte*>(p);
  try {
    for (const Range& r : ranges) {
      if (r.offset >= size_) continue;
      file.read_at(r.offset, std::min<std::uint64_t>(r.size, size_ - r.offset), data_ + r.offset);
    }
  } catch (...) {
    ::munmap(data_, size_);
    throw;
  }
}

SparseImage::~SparseImage() { ::munmap(data_, size_); }

}  // namespace hvmtool::common
