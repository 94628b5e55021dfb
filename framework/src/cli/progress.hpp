#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <unordered_set>

#include "runner/run_result.hpp"

namespace hvmtool::cli {

// The one-line count a large `hvmtool run` keeps up to date on a terminal:
// "hvmtool: 812/10000 created, 16 running, 796 ended, 0 failed". Redrawn at
// most ten times a second, and once more, with a newline, when all ended.
class RunProgress {
 public:
  // Draws nothing unless `out` is a terminal and the run has at least
  // kMinDomains domains.
  RunProgress(std::FILE* out, std::size_t total);
  static constexpr std::size_t kMinDomains = 50;

  // Clears the progress line, for a line of text to be written in its place.
  void clear();
  void running(const std::string& domain);
  void finished(const RunResult& result);

 private:
  void draw(bool force);

  std::FILE* out_;
  std::size_t total_;
  bool enabled_;
  std::unordered_set<std::string> running_;
  std::size_t created_ = 0;
  std::size_t ended_ = 0;
  std::size_t failed_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace hvmtool::cli
