#include "cli/progress.hpp"

#include <unistd.h>

namespace hvmtool::cli {

RunProgress::RunProgress(std::FILE* out, std::size_t total)
    : out_(out), total_(total), enabled_(total >= kMinDomains && ::isatty(::fileno(out))) {}

void RunProgress::clear() {
  if (enabled_) std::fputs("\r\033[K", out_);
}

void RunProgress::running(const std::string& domain) {
  if (!enabled_) return;
  ++created_;
  running_.insert(domain);
  draw(false);
}

void RunProgress::finished(const RunResult& result) {
  if (!enabled_) return;
  running_.erase(result.domain);
  ++ended_;
  if (exit_code_for(result.outcome) != 0) ++failed_;
  draw(ended_ == total_);
}

void RunProgress::draw(bool last) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::fprintf(out_, "\rhvmtool: %zu/%zu created, %zu running, %zu ended, %zu failed\033[K%s", created_, total_,
               running_.size(), ended_, failed_, last ? "\n" : "");
  std::fflush(out_);
}

}  // namespace hvmtool::cli
