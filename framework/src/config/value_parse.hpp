#pragma once

// Scalar parsers shared by the loader and PluginParams, and their inverses
// for messages (so that "expected at least 2M, got 1M" prints sizes the way
// the user would write them).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hvmtool/export.hpp"

namespace hvmtool::config {

// Decimal digits only: no sign, no spaces, no 0x. nullopt if not a number or
// beyond UINT64_MAX.
HVMTOOL_API std::optional<std::uint64_t> parse_whole_number(std::string_view text);

// "1536M", "2G", "4K", "513B": the largest binary unit that divides exactly.
HVMTOOL_API std::string format_size(std::uint64_t bytes);
// "0", "90s", "2m", "1500ms": the largest unit that divides exactly.
HVMTOOL_API std::string format_duration(std::chrono::milliseconds d);

// "from 1 to 128", "of at least 2", "" (no bounds), for "expected a whole number ...".
HVMTOOL_API std::string describe_range(std::uint64_t min, std::uint64_t max);

inline constexpr std::string_view kSizeExpectation = "a size like 128M or 2G";
inline constexpr std::string_view kDurationExpectation = "a duration like 30s, 500ms, 2m or 0";

}  // namespace hvmtool::config
