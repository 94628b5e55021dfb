#include "xl_keys.hpp"

namespace hvmtool::xl {
namespace {

bool ident_start(char c) { return c >= 'a' && c <= 'z'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '_'; }

}  // namespace

std::vector<KeyUse> scan_keys(std::string_view text) {
  std::vector<KeyUse> keys;
  unsigned line = 1;
  int depth = 0;  // inside [ ... ] a newline does not end the statement
  bool statement_start = true;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      if (depth == 0) statement_start = true;
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\'' || c == '"') {
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i)
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
      if (i < text.size() && text[i] == c) ++i;
      statement_start = false;
    } else if (c == '[') {
      ++depth;
      ++i;
    } else if (c == ']') {
      if (depth > 0) --depth;
      ++i;
    } else if (c == ';' && depth == 0) {
      statement_start = true;
      ++i;
    } else if (statement_start && ident_start(c)) {
      std::size_t end = i;
      while (end < text.size() && ident_char(text[end])) ++end;
      keys.push_back({std::string(text.substr(i, end - i)), line});
      statement_start = false;
      i = end;
    } else {
      if (c != ' ' && c != '\t' && c != '\r') statement_start = false;
      ++i;
    }
  }
  return keys;
}

}  // namespace hvmtool::xl
