#pragma once

// What every fuzz target asserts besides "no crash": a refusal is one line,
// and (for parsers of guest bytes) nothing in it can reach a terminal raw.
// A violation aborts, which libFuzzer and the replay test report as a
// failure with the input that caused it.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace hvmtool::fuzz {

enum class Text { config, guest };

inline void check_message(const std::exception& e, Text text) {
  const std::string_view m = e.what();
  bool bad = m.empty();
  for (unsigned char c : m) {
    if (c == '\n') bad = true;
    if (text == Text::guest && (c < 0x20 || c == 0x7f)) bad = true;  // guest bytes go through guest_text
  }
  if (bad) {
    std::fprintf(stderr, "fuzz: a refusal that is not one clean line: [%.*s]\n", static_cast<int>(m.size()), m.data());
    std::abort();
  }
}

}  // namespace hvmtool::fuzz
