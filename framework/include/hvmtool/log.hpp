#pragma once

#include <string>
#include <string_view>

#include "hvmtool/export.hpp"

namespace hvmtool {

enum class LogLevel { debug, info, warn, error };

// Thread-safe: vCPU threads and worker threads log through the same Logger.
class HVMTOOL_API Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
  virtual bool enabled(LogLevel level) const = 0;

  void debug(std::string_view m) {
    if (enabled(LogLevel::debug)) log(LogLevel::debug, m);
  }
  void info(std::string_view m) { log(LogLevel::info, m); }
  void warn(std::string_view m) { log(LogLevel::warn, m); }
  void error(std::string_view m) { log(LogLevel::error, m); }
};

}  // namespace hvmtool
