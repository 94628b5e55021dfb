#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <streambuf>
#include <string>
#include <string_view>
#include <unordered_set>

#include "runner/run_result.hpp"

namespace hvmtool::cli {

// The one-line count a large `hvmtool run` keeps up to date on a terminal:
// "hvmtool: 812/10000 created, 16 running, 796 ended, 0 failed". Redrawn at
// most ten times a second, and once more, with a newline, when all ended.
// Every other line the run writes to the same terminal goes through print(),
// which clears the progress line first and redraws it after, so no line
// starts in the middle of it. Safe to call from any thread.
class RunProgress {
 public:
  explicit RunProgress(std::FILE* out) : out_(out) {}
  static constexpr std::size_t kMinDomains = 50;

  // Draws nothing unless `out` is a terminal and the run has at least
  // kMinDomains domains.
  void begin(std::size_t total);
  // Clears the line and draws no more (the run is leaving the terminal).
  void stop();
  // Writes one or more whole lines ("...\n") above the progress line.
  void print(std::string_view lines);
  void running(const std::string& domain);
  void finished(const RunResult& result);

 private:
  void draw(bool last);
  void clear_line();

  std::mutex mutex_;
  std::FILE* out_;
  std::size_t total_ = 0;
  bool enabled_ = false;
  bool visible_ = false;  // a progress line without its newline is on the terminal
  std::unordered_set<std::string> running_;
  std::size_t created_ = 0;
  std::size_t ended_ = 0;
  std::size_t failed_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// A stream buffer that hands each complete line to RunProgress::print: the
// logger writes through it, so log lines and the progress line share the terminal.
class ProgressLineBuf final : public std::streambuf {
 public:
  explicit ProgressLineBuf(RunProgress& progress) : progress_(progress) {}

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  RunProgress& progress_;
  std::string pending_;
};

}  // namespace hvmtool::cli
