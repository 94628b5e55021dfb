#include "cli/progress.hpp"

#include <unistd.h>

namespace hvmtool::cli {

void RunProgress::begin(std::size_t total) {
  std::lock_guard lock(mutex_);
  total_ = total;
  enabled_ = total >= kMinDomains && ::isatty(::fileno(out_));
}

void RunProgress::stop() {
  std::lock_guard lock(mutex_);
  clear_line();
  enabled_ = false;
}

void RunProgress::print(std::string_view lines) {
  std::lock_guard lock(mutex_);
  const bool redraw = visible_;
  clear_line();
  std::fwrite(lines.data(), 1, lines.size(), out_);
  if (redraw) draw(true);
  std::fflush(out_);
}

void RunProgress::running(const std::string& domain) {
  std::lock_guard lock(mutex_);
  if (!enabled_) return;
  ++created_;
  running_.insert(domain);
  draw(false);
}

void RunProgress::finished(const RunResult& result) {
  std::lock_guard lock(mutex_);
  if (!enabled_) return;
  running_.erase(result.domain);
  ++ended_;
  if (exit_code_for(result.outcome) != 0) ++failed_;
  draw(ended_ == total_);
}

void RunProgress::clear_line() {
  if (!visible_) return;
  std::fputs("\r\033[K", out_);
  visible_ = false;
}

// `force`: draw now, however recently the line was last drawn.
void RunProgress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const bool last = ended_ == total_;
  std::fprintf(out_, "\rhvmtool: %zu/%zu created, %zu running, %zu ended, %zu failed\033[K%s", created_, total_,
               running_.size(), ended_, failed_, last ? "\n" : "");
  visible_ = !last;
  std::fflush(out_);
}

ProgressLineBuf::int_type ProgressLineBuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  const char ch = traits_type::to_char_type(c);
  xsputn(&ch, 1);
  return c;
}

std::streamsize ProgressLineBuf::xsputn(const char* s, std::streamsize n) {
  pending_.append(s, static_cast<std::size_t>(n));
  const auto end = pending_.rfind('\n');
  if (end != std::string::npos) {
    progress_.print(std::string_view(pending_).substr(0, end + 1));
    pending_.erase(0, end + 1);
  }
  return n;
}

}  // namespace hvmtool::cli
