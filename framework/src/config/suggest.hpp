#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hvmtool/export.hpp"

namespace hvmtool::config {

// Optimal-string-alignment distance: Levenshtein plus adjacent
// transpositions, because "memroy" is one slip of the fingers, not two.
HVMTOOL_API std::size_t edit_distance(std::string_view a, std::string_view b);

// "unknown key (did you mean 'memory'?)" or, with nothing close,
// "unknown key; expected one of: a, b, c".
HVMTOOL_API std::string unknown_key_reason(std::string_view key, const std::vector<std::string>& known);

// "a, b, c"
HVMTOOL_API std::string join(const std::vector<std::string>& words, std::string_view sep = ", ");

}  // namespace hvmtool::config
