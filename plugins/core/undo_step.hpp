#pragma once

#include <string>
#include <string_view>

#include <hvmtool/exception_message.hpp>
#include <hvmtool/hvmtool.hpp>

namespace hvmtool::core {

// Runs one step of an undo, which is noexcept: whatever the platform throws
// there (a std type or not) is a warning naming the step, never
// std::terminate, and the rest of the rollback still runs.
template <typename Step>
void undo_step(StageContext& ctx, std::string_view what, Step&& step) noexcept {
  try {
    try {
      step();
    } catch (...) {
      ctx.log.warn(std::string(what) + " failed: " + current_exception_message());
    }
  } catch (...) {  // the warning itself failed (out of memory): nothing more to say
  }
}

}  // namespace hvmtool::core
