#pragma once

// The checks every firmware kind makes of its file before a domain exists:
// errors name the file, the offset and the reason.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hvmtool::firmware {

// Up to `n` bytes from the start of `file` (fewer if it is shorter).
std::vector<std::byte> read_head(const std::filesystem::path& file, std::size_t n);

// A readable, non-empty regular file of at most `max` bytes (0 = any);
// returns its size. `what` names the field in messages ("bios").
std::uint64_t check_file(const std::filesystem::path& file, const std::string& what, std::uint64_t max);

}  // namespace hvmtool::firmware
