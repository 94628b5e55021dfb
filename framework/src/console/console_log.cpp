#include "console/console_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hvmtool {

namespace fs = std::filesystem;

namespace {

void rotate(const fs::path& file, unsigned keep) {
  std::error_code ec;
  // Only a regular file is rotated: a logfile of /dev/null or a FIFO is used as it is.
  if (!fs::is_regular_file(file, ec)) return;
  for (unsigned i = keep; i-- > 1;) {
    fs::path from = file.string() + "." + std::to_string(i);
    fs::path to = file.string() + "." + std::to_string(i + 1);
    if (fs::exists(from, ec)) fs::rename(from, to, ec);
  }
  fs::rename(file, file.string() + ".1", ec);
}

bool usable_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  return fs::is_directory(dir, ec) && ::access(dir.c_str(), W_OK) == 0;
}

}  // namespace

fs::path ConsoleLog::default_directory() {
  if (const char* env = std::getenv("HVMTOOL_LOG_DIR"); env && *env) return env;
  if (usable_directory("/var/log/hvmtool")) return "/var/log/hvmtool";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) {
    fs::path dir = fs::path(runtime) / "hvmtool";
    if (usable_directory(dir)) return dir;
  }
  return fs::temp_directory_path() / ("hvmtool-" + std::to_string(::getuid()));
}

ConsoleLog::ConsoleLog(fs::path file, bool to_terminal, unsigned keep)
    : file_(std::move(file)), to_terminal_(to_terminal), keep_(keep) {}

ConsoleLog::~ConsoleLog() { close(); }

// A raw fd, not a FILE*: every write is flushed at once anyway, and glibc's
// fclose() walks the list of every open FILE, which made closing N logs
// cost O(N^2).
void ConsoleLog::open_locked() {
  if (!rotated_) {
    std::error_code ec;
    if (file_.has_parent_path()) fs::create_directories(file_.parent_path(), ec);
    rotate(file_, keep_);
    rotated_ = true;
  }
  fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ >= 0) return;
  failed_ = true;
  const std::string message = file_.string() + ": cannot open console log: " + std::strerror(errno);
  if (on_failure_) on_failure_(message);
}

void ConsoleLog::close() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void ConsoleLog::write(ConsoleChannel /*channel*/, std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0 && !failed_) open_locked();
  for (std::size_t done = 0; fd_ >= 0 && done < bytes.size();) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a full disk loses console bytes, not the domain
    done += static_cast<std::size_t>(n);
  }
  if (to_terminal_) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
  }
}

ConsoleSink ConsoleLog::sink() {
  return [this](ConsoleChannel channel, std::string_view bytes) { write(channel, bytes); };
}

}  // namespace hvmtool
