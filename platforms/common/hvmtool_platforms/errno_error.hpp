#pragma once

#include <cerrno>
#include <string_view>

namespace hvmtool::platforms {

// Throws PlatformError("KIND: WHAT: strerror(err)"), KIND being the platform
// ("kvm", "emu") whose operation failed.
[[noreturn]] void throw_errno(std::string_view kind, std::string_view what, int err = errno);

}  // namespace hvmtool::platforms
