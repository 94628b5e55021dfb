#pragma once

// What the keyword-per-line formats (extlinux.conf, menu.lst) share: the
// text cut into "keyword value" lines, blank lines and '#' comments dropped.
#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::grub {

struct ConfigLine {
  int number = 0;         // from 1, counting every line of the file
  std::string keyword;    // lower-case: both formats ignore case in keywords
  std::string_view rest;  // trimmed; a view into the text
};

// How a keyword ends: extlinux at white space only; GRUB legacy also at
// '=' ("default=0"), which is then dropped from `rest`.
enum class KeywordEnd { space, space_or_equals };

std::vector<ConfigLine> config_lines(std::string_view text, KeywordEnd end);

// `s` without white space at either end.
std::string_view trim(std::string_view s);

}  // namespace hvmtool::grub
