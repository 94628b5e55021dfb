#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "hvmtool/domain.hpp"

namespace hvmtool {

// A domain's guest console: appended to a log file and, with `-c`, copied to
// the terminal. vCPU threads write concurrently, so writes are serialised.
class ConsoleLog {
 public:
  // Opens `file`, first rotating an existing one to FILE.1 .. FILE.<keep>
  // (as xl does with its per-domain logs). Throws Error if it cannot.
  ConsoleLog(std::filesystem::path file, bool to_terminal, unsigned keep = 5);
  ~ConsoleLog();
  ConsoleLog(const ConsoleLog&) = delete;
  ConsoleLog& operator=(const ConsoleLog&) = delete;

  void write(ConsoleChannel channel, std::string_view bytes);
  ConsoleSink sink();
  const std::filesystem::path& file() const { return file_; }

  // HVMTOOL_LOG_DIR, else /var/log/hvmtool, else $XDG_RUNTIME_DIR/hvmtool or /tmp/hvmtool-UID.
  static std::filesystem::path default_directory();

 private:
  std::filesystem::path file_;
  bool to_terminal_;
  std::FILE* out_ = nullptr;
  std::mutex mutex_;
};

}  // namespace hvmtool
