#pragma once

#include <string>

#include "hvmtool/export.hpp"

namespace hvmtool {

// Inside a catch block: the exception being handled as one line, what() of a
// std::exception, else "non-standard exception of type 'T'" (the framework's
// own wording). For a plugin's noexcept paths (undo), which report and go on.
HVMTOOL_API std::string current_exception_message();

}  // namespace hvmtool
