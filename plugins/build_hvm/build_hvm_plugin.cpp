#include "build_hvm_stage.hpp"

namespace hvmtool::build_hvm {

class BuildHvmPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "build_hvm"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "HVM builder (xc_hvm_build): hvmloader, memory with 1G/2M/4K extents, hvm_info, start info";
  }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::build}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    if (slot != StageSlot::build) return Plugin::create_stage(slot, params);
    params.require_known({"entry"});
    std::string entry = params.get_choice("entry", "direct", {"direct", "legacy-jmp"});
    return std::make_unique<BuildHvmStage>(entry == "legacy-jmp" ? EntryMode::legacy_jmp : EntryMode::direct);
  }
};

}  // namespace hvmtool::build_hvm

HVMTOOL_PLUGIN(hvmtool::build_hvm::BuildHvmPlugin)
