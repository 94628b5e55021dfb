#pragma once

#include <string>

#include "xl_file.hpp"

namespace hvmtool::config {

// Reads xl.cfg text with libxlutil, through libhvmtool-xlu.so (loaded on the
// first call, next to libhvmtool, and kept for the life of the process).
// Throws ConfigError: a libxlutil message, or why the library is missing.
xl::File read_xl_file(const std::string& display_name, const std::string& text);

}  // namespace hvmtool::config
