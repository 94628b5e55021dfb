#pragma once

// How every configuration error is worded, so that the loader and plugins
// reading their PluginParams produce the same one-line shape:
//   FILE:LINE:COL: field 'domain.memory': expected ..., got "..."

#include <string>
#include <string_view>

#include "hvmtool/params.hpp"

namespace hvmtool::config {

// "FILE:LINE:COL: ", "FILE: " or "" depending on what `where` knows.
std::string location_prefix(const SourceLocation& where);

[[noreturn]] void throw_field_error(const SourceLocation& where, std::string_view field, std::string_view reason);
// For problems that belong to no one field (syntax errors, an empty file).
[[noreturn]] void throw_file_error(const SourceLocation& where, std::string_view reason);

// A user's value as it appears inside a message: double-quoted, with
// control characters escaped so that what() stays on one line, and cut
// short when long.
std::string quote(std::string_view text);

// `text` (a message from another library, which may quote bytes of the
// file) with its control characters escaped as quote() does, so that what()
// stays on one line.
std::string one_line(std::string_view text);

}  // namespace hvmtool::config
