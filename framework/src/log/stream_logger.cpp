#include "log/stream_logger.hpp"

namespace hvmtool {

std::mutex StreamLogger::mutex_;

namespace {
const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "?";
}
}  // namespace

StreamLogger::StreamLogger(std::ostream& out, LogLevel threshold, std::string prefix)
    : out_(out), threshold_(threshold), prefix_(std::move(prefix)) {}

void StreamLogger::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = "hvmtool: ";
  if (!prefix_.empty()) line += "[" + prefix_ + "] ";
  line += level_name(level);
  line += ": ";
  line += message;
  line += '\n';
  std::lock_guard lock(mutex_);
  out_ << line << std::flush;
}

void PrefixLogger::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line = "[" + prefix_ + "] ";
  line += message;
  inner_.log(level, line);
}

}  // namespace hvmtool
