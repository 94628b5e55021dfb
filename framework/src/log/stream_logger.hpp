#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include "hvmtool/log.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// Writes "hvmtool: [PREFIX] level: message" lines to a stream, one writer at a time.
class HVMTOOL_API StreamLogger final : public Logger {
 public:
  StreamLogger(std::ostream& out, LogLevel threshold, std::string prefix = {});
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override { return level >= threshold_; }

 private:
  std::ostream& out_;
  LogLevel threshold_;
  std::string prefix_;
  static std::mutex mutex_;  // shared: all loggers write to the same terminal
};

// A logger that tags each line with a domain name and forwards to another.
class HVMTOOL_API PrefixLogger final : public Logger {
 public:
  PrefixLogger(Logger& inner, std::string prefix) : inner_(inner), prefix_(std::move(prefix)) {}
  void log(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel level) const override { return inner_.enabled(level); }

 private:
  Logger& inner_;
  std::string prefix_;
};

}  // namespace hvmtool
