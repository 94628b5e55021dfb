#include "console/console_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hvmtool/error.hpp"

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
    : file_(std::move(file)), to_terminal_(to_terminal) {
  std::error_code ec;
  if (file_.has_parent_path()) fs::create_directories(file_.parent_path(), ec);
  rotate(file_, keep);
  out_ = std::fopen(file_.c_str(), "a");
  if (!out_) throw Error(file_.string() + ": cannot open console log: " + std::strerror(errno));
}

ConsoleLog::~ConsoleLog() {
  if (out_) std::fclose(out_);
}

void ConsoleLog::write(ConsoleChannel /*channel*/, std::string_view bytes) {
  std::lock_guard lock(mutex_);
  std::fwrite(bytes.data(), 1, bytes.size(), out_);
  std::fflush(out_);
  if (to_terminal_) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
  }
}

ConsoleSink ConsoleLog::sink() {
  return [this](ConsoleChannel channel, std::string_view bytes) { write(channel, bytes); };
}

}  // namespace hvmtool
