#include <utility>

#include "build_pv_stage.hpp"
#include "loader_table.hpp"

namespace hvmtool::build_pv {
namespace {

// `entry`: auto or one of the table's entry modes, in the table's order.
template <std::size_t... I>
std::string entry_param(const PluginParams& params, std::index_sequence<I...>) {
  return params.get_choice("entry", kAutoEntry, {kAutoEntry, kImageLoaders[I].mode...});
}

}  // namespace

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
    return std::make_unique<BuildPvStage>(entry_param(params, std::make_index_sequence<kImageLoaders.size()>()));
  }
};

}  // namespace hvmtool::build_pv

HVMTOOL_PLUGIN(hvmtool::build_pv::BuildPvPlugin)
