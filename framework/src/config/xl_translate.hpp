#pragma once

// xl.cfg settings (as libxlutil read them) → the `domain:` section of a
// pipeline, as YAML text that the pipeline loader then reads with the same
// checks as any YAML file. Each YAML line remembers the xl.cfg line it came
// from, so every message names the user's file and line.

#include <filesystem>
#include <string>
#include <vector>

#include "xl_file.hpp"

namespace hvmtool::config {

struct XlTranslation {
  std::string domain_yaml;             // a YAML map, one key per line
  std::vector<unsigned> source_lines;  // the xl.cfg line of each YAML line (0: a default)
  std::string bootloader;              // the bootloader plugin (`bootloader = "pygrub"` → grub), or empty
  unsigned bootloader_line = 0;
  std::vector<std::string> warnings;  // "FILE:LINE: key 'vif': reason", one per key not honoured
};

// Relative paths start at `cwd`, as xl opens them. Throws ConfigError
// "FILE:LINE: key 'K': reason" for a value hvmtool refuses and for a key
// that is not xl's.
XlTranslation translate_xl(const xl::File& file, const std::string& display_name, const std::filesystem::path& cwd);

}  // namespace hvmtool::config
