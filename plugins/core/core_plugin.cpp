#include "stages.hpp"

namespace hvmtool::core {

// The stages that need no platform detail: they drive the Platform/Domain
// interface, so the same plugin serves kvm and xen.
class CorePlugin final : public Plugin {
 public:
  std::string_view name() const override { return "core"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "default make, build_pre, build_post, unpause and wait stages";
  }
  std::vector<StageSlot> stage_slots() const override {
    return {StageSlot::make, StageSlot::build_pre, StageSlot::build_post, StageSlot::unpause, StageSlot::wait};
  }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    params.require_known({});
    switch (slot) {
      case StageSlot::make:
        return std::make_unique<MakeStage>();
      case StageSlot::build_pre:
        return std::make_unique<BuildPreStage>();
      case StageSlot::build_post:
        return std::make_unique<BuildPostStage>();
      case StageSlot::unpause:
        return std::make_unique<UnpauseStage>();
      case StageSlot::wait:
        return std::make_unique<WaitStage>();
      default:
        return Plugin::create_stage(slot, params);
    }
  }
};

}  // namespace hvmtool::core

HVMTOOL_PLUGIN(hvmtool::core::CorePlugin)
