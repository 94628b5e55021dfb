#include "hvmtool_common/image_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace hvmtool::common {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = 16u << 20;  // between cancellation checks

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

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
  // O_NONBLOCK: a FIFO named as a kernel must not block the open; it is
  // refused as "not a regular file" right after.
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) open_fail(p, what, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw ImageError(p.string() + ": " + what + ": cannot stat: " + std::strerror(errno));
  const std::uint64_t size = checked_size(st, p, what, cap);
  std::vector<std::byte> bytes(size);
  std::uint64_t done = 0;
  while (done < size) {
    if (check) check();
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size - done, kChunk));
    const ssize_t n = ::pread(fd.get(), bytes.data() + done, want, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw ImageError(p.string() + ": " + what + ": read error at offset " + hex(done) + ": " + std::strerror(errno));
    if (n == 0)
      image_fail(p.string(), done, what + " shrank while being read (it was " + hex(size) + " bytes when opened)");
    done += static_cast<std::uint64_t>(n);
  }
  return bytes;
}

}  // namespace hvmtool::common
