#pragma once

// What a run may leave behind, counted the same way for every cell.

#include <filesystem>
#include <string>

namespace hvmtool::faults {

// The files under `dir` (recursively), one relative path a line; "" if none
// or if `dir` does not exist.
std::string files_under(const std::filesystem::path& dir);

// The domain entries in the registry under `root` (HVMTOOL_REGISTRY_ROOT):
// its files but the registry's own lock and id counter.
std::string registry_entries(const std::filesystem::path& root);

}  // namespace hvmtool::faults
