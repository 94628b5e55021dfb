#include "config_lines.hpp"

#include <cctype>

namespace hvmtool::grub {

namespace {

bool space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<ConfigLine> config_lines(std::string_view text, KeywordEnd end) {
  std::vector<ConfigLine> out;
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    std::size_t k = 0;
    while (k < line.size() && !space(line[k]) && !(end == KeywordEnd::space_or_equals && line[k] == '=')) ++k;
    ConfigLine l;
    l.number = number;
    l.keyword.reserve(k);
    for (char c : line.substr(0, k)) l.keyword += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    l.rest = trim(line.substr(k));
    if (end == KeywordEnd::space_or_equals && !l.rest.empty() && l.rest.front() == '=') l.rest = trim(l.rest.substr(1));
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace hvmtool::grub
