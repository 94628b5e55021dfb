#pragma once

#include <filesystem>
#include <string>

namespace hvmtool::config {

// The whole file. Throws ConfigError "FILE: cannot open|read: <errno text>".
std::string read_text_file(const std::filesystem::path& file);

}  // namespace hvmtool::config
