#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "hvmtool/domain.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// A domain's guest console: appended to a log file and, with `-c`, copied to
// the terminal. vCPU threads write concurrently, so writes are serialised.
// The file is opened at the guest's first byte and closed when the domain
// ends, so that ten thousand domains do not hold ten thousand idle fds, and
// a guest that never writes leaves no empty log behind.
class HVMTOOL_API ConsoleLog {
 public:
  // Told, once, why the log could not be opened; may be called on any thread.
  using Failure = std::function<void(const std::string& message)>;

  // Opens nothing yet. At the first byte an existing `file` is rotated to
  // FILE.1 .. FILE.<keep> (as xl does with its per-domain logs) and a new
  // one opened; if that fails, the bytes are dropped and `on_failure` told.
  ConsoleLog(std::filesystem::path file, bool to_terminal, unsigned keep = 5);
  ~ConsoleLog();
  ConsoleLog(const ConsoleLog&) = delete;
  ConsoleLog& operator=(const ConsoleLog&) = delete;

  void on_failure(Failure failure) { on_failure_ = std::move(failure); }
  void write(ConsoleChannel channel, std::string_view bytes);
  // The domain ended: the fd goes. A later byte (from a domain that a queued
  // handler kept alive) reopens the file and appends.
  void close();
  ConsoleSink sink();
  const std::filesystem::path& file() const { return file_; }

  // HVMTOOL_LOG_DIR, else /var/log/hvmtool, else $XDG_RUNTIME_DIR/hvmtool or /tmp/hvmtool-UID.
  static std::filesystem::path default_directory();

 private:
  void open_locked();

  std::filesystem::path file_;
  bool to_terminal_;
  unsigned keep_;
  Failure on_failure_;
  std::mutex mutex_;
  int fd_ = -1;
  bool rotated_ = false;
  bool failed_ = false;
};

}  // namespace hvmtool
