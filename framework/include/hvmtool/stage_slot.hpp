#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace hvmtool {

// The seven steps of domain creation, in the order the runner chains them
// (libxl: domain_make, bootloader_run, build_pre, build_hvm/pv, build_post,
// domain_unpause, then waiting for the domain's death).
enum class StageSlot { make, bootloader, build_pre, build, build_post, unpause, wait };

inline constexpr std::array<StageSlot, 7> kStageOrder = {StageSlot::make,  StageSlot::bootloader, StageSlot::build_pre,
                                                         StageSlot::build, StageSlot::build_post, StageSlot::unpause,
                                                         StageSlot::wait};

constexpr std::string_view to_string(StageSlot s) {
  switch (s) {
    case StageSlot::make:
      return "make";
    case StageSlot::bootloader:
      return "bootloader";
    case StageSlot::build_pre:
      return "build_pre";
    case StageSlot::build:
      return "build";
    case StageSlot::build_post:
      return "build_post";
    case StageSlot::unpause:
      return "unpause";
    case StageSlot::wait:
      return "wait";
  }
  return "?";
}

constexpr std::optional<StageSlot> stage_slot_from_string(std::string_view s) {
  for (StageSlot slot : kStageOrder)
    if (to_string(slot) == s) return slot;
  return std::nullopt;
}

constexpr std::size_t index_of(StageSlot s) { return static_cast<std::size_t>(s); }

}  // namespace hvmtool
