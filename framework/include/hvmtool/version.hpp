#pragma once

// The plugin ABI version. A plugin built against a different value is refused by
// the loader before any of its C++ symbols are touched, because every interface
// in this folder crosses the library boundary by vtable layout.
#define HVMTOOL_API_VERSION 1u

namespace hvmtool {
inline constexpr unsigned kApiVersion = HVMTOOL_API_VERSION;
inline constexpr const char* kVersionString = "0.1.0";
}  // namespace hvmtool
