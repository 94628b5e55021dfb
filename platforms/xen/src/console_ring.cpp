#include "console_ring.hpp"

#include <cctype>

namespace hvmtool::xen {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// Skips "[...] " (console_timestamps) at the start.
std::string_view strip_timestamp(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    auto close = s.find("] ");
    if (close != std::string_view::npos) return s.substr(close + 2);
  }
  return s;
}

// The first "dN" token (N digits, then 'v', ':' , ' ', ',' or end) in s.
std::optional<DomainId> domain_token(std::string_view s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != 'd' || !digit(s[i + 1])) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_')) continue;
    std::size_t j = i + 1;
    unsigned long v = 0;
    while (j < s.size() && digit(s[j]) && v < 0x10000) v = v * 10 + static_cast<unsigned long>(s[j++] - '0');
    if (j < s.size() && s[j] != 'v' && s[j] != ':' && s[j] != ' ' && s[j] != ',' && s[j] != ')') continue;
    if (v >= 0x7ff0) continue;  // DOMID_FIRST_RESERVED and above
    return static_cast<DomainId>(v);
  }
  return std::nullopt;
}

}  // namespace

std::optional<RingLine> parse_ring_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view s = strip_timestamp(line);
  if (s.starts_with("(d") && s.size() > 2 && digit(s[2])) {
    std::size_t j = 2;
    unsigned long v = 0;
    while (j < s.size() && digit(s[j]) && v < 0x10000) v = v * 10 + static_cast<unsigned long>(s[j++] - '0');
    if (j < s.size() && s[j] == ')') {
      std::string_view text = s.substr(j + 1);
      if (text.starts_with(" ")) text.remove_prefix(1);
      return RingLine{static_cast<DomainId>(v), ConsoleChannel::debug, std::string(text) + "\n"};
    }
  }
  if (s.starts_with("(XEN) ")) {
    if (auto id = domain_token(s.substr(6))) return RingLine{*id, ConsoleChannel::hypervisor, std::string(line) + "\n"};
  }
  return std::nullopt;
}

void ConsoleRouter::feed(std::string_view text, const Out& out) {
  partial_.append(text);
  std::size_t start = 0;
  for (;;) {
    const auto nl = partial_.find('\n', start);
    if (nl == std::string::npos) break;
    if (auto l = parse_ring_line(std::string_view(partial_).substr(start, nl - start))) out(*l);
    start = nl + 1;
  }
  partial_.erase(0, start);
  if (partial_.size() > 4096) partial_.clear();  // a runaway line: drop it
}

}  // namespace hvmtool::xen
