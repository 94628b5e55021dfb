#pragma once

#include <functional>
#include <string>

#include "hvmtool/error.hpp"

namespace hvmtool::test {

// The message of the PlatformError `f` throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const PlatformError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hvmtool::test
