#pragma once

// The keys an xl.cfg file assigns, with their lines. libxlutil has no API to
// list them, and hvmtool must name every key it cannot honour; this runs only
// on text libxlutil has already accepted, so it needs the grammar's shape
// (statements end at ';' or a newline outside brackets, '#' starts a
// comment, strings are quoted and end on their line), not its checks.

#include <string>
#include <string_view>
#include <vector>

namespace hvmtool::xl {

struct KeyUse {
  std::string key;
  unsigned line = 0;
};

// Every assignment in file order (a key assigned twice appears twice).
std::vector<KeyUse> scan_keys(std::string_view text);

}  // namespace hvmtool::xl
