#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>

#include "hvmtool/firmware.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool/stage.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// The objects one domain's run uses, already created (and so validated) by
// the plugin loader; tests build it by hand with in-process stages.
struct ResolvedPipeline {
  std::shared_ptr<Platform> platform;
  std::string platform_plugin = "platform";    // the plugin that made `platform`, for messages
  std::shared_ptr<FirmwareProvider> firmware;  // may be null
  // What `firmware` resolved when the file was loaded (and `validate`
  // checked); null when nothing did, and a builder resolves for itself.
  std::shared_ptr<const FirmwareSet> firmware_images;
  std::array<std::shared_ptr<Stage>, kStageOrder.size()> stages;
  std::array<std::string, kStageOrder.size()> plugin_names;
};

// The timeout a stage gets when the file sets none; zero = none.
HVMTOOL_API std::chrono::milliseconds default_stage_timeout(StageSlot slot);

}  // namespace hvmtool
