#include "build_pv_stage.hpp"

namespace hvmtool::build_pv {

class BuildPvPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "build_pv"; }
  std::string_view version() const override { return kVersionString; }
  std::string_view description() const override {
    return "direct kernel boot: Linux bzImage (64-bit boot protocol) or PVH ELF (XEN_ELFNOTE_PHYS32_ENTRY)";
  }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::build}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    if (slot != StageSlot::build) return Plugin::create_stage(slot, params);
    params.require_known({"entry"});
    const std::string entry = params.get_choice("entry", "auto", {"auto", "linux64", "pvh"});
    return std::make_unique<BuildPvStage>(entry == "pvh"       ? EntryChoice::pvh
                                          : entry == "linux64" ? EntryChoice::linux64
                                                               : EntryChoice::automatic);
  }
};

}  // namespace hvmtool::build_pv

HVMTOOL_PLUGIN(hvmtool::build_pv::BuildPvPlugin)
