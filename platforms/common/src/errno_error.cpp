#include "hvmtool_platforms/errno_error.hpp"

#include <cstring>
#include <string>

#include "hvmtool/error.hpp"

namespace hvmtool::platforms {

void throw_errno(std::string_view kind, std::string_view what, int err) {
  throw PlatformError(std::string(kind) + ": " + std::string(what) + ": " + std::strerror(err));
}

}  // namespace hvmtool::platforms
