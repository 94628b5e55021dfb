#include <chrono>

#include "runner/resolved_pipeline.hpp"

namespace hvmtool {

using namespace std::chrono_literals;

std::chrono::milliseconds default_stage_timeout(StageSlot slot) {
  switch (slot) {
    case StageSlot::make:
      return 30s;
    case StageSlot::bootloader:
      return 120s;  // reads a guest disk
    case StageSlot::build_pre:
      return 30s;
    case StageSlot::build:
      return 300s;  // populates and loads all of guest RAM
    case StageSlot::build_post:
      return 30s;
    case StageSlot::unpause:
      return 30s;
    case StageSlot::wait:
      return 0s;  // a guest may run for ever
  }
  return 30s;
}

}  // namespace hvmtool
