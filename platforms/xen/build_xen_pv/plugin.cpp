// hvmtool-build_xen_pv.so: the build stage for PV domains on the xen
// platform, on libxenguest's xc_dom_* builder.

#include "hvmtool/plugin.hpp"
#include "pv_builder.hpp"
#include "real_xen_api.hpp"

namespace hvmtool::xen {

class BuildXenPvPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "build_xen_pv"; }
  std::string_view version() const override { return "0.1.0"; }
  std::string_view description() const override {
    return "PV domain builder for the xen platform (libxenguest xc_dom_*)";
  }
  std::vector<StageSlot> stage_slots() const override { return {StageSlot::build}; }
  std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) override {
    if (slot != StageSlot::build) return Plugin::create_stage(slot, params);
    params.require_known({"features"});
    return std::make_unique<BuildXenPvStage>([] { return make_real_xen_api(); }, params.get_string("features", ""));
  }
};

}  // namespace hvmtool::xen

HVMTOOL_PLUGIN(hvmtool::xen::BuildXenPvPlugin)
