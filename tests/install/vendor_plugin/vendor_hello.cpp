#include <fstream>

#include <hvmtool/hvmtool.hpp>

namespace vendor {

// A build_pre stage from "a vendor": it records that it ran, with the domain
// id the core make stage created and the version of the uuid make left in
// the build state, in the file its parameters name.
class HelloStage final : public hvmtool::Stage {
 public:
  explicit HelloStage(std::string marker) : marker_(std::move(marker)) {}
  std::string_view name() const override { return "vendor_hello"; }
  void async_run(hvmtool::StageContext& ctx, hvmtool::Completion done) override {
    const std::optional<hvmtool::Uuid>& uuid = ctx.state.uuid;
    std::ofstream(marker_) << "vendor_hello ran for " << ctx.config.name << " domid " << ctx.require_domain().id()
                           << " uuid " << (uuid ? "version " + std::to_string((*uuid)[6] >> 4) : "unset") << "\n";
    done(nullptr);
  }

 private:
  std::string marker_;
};

class HelloPlugin final : public hvmtool::Plugin {
 public:
  std::string_view name() const override { return "vendor_hello"; }
  std::string_view version() const override { return "1.0"; }
  std::vector<hvmtool::StageSlot> stage_slots() const override { return {hvmtool::StageSlot::build_pre}; }
  std::unique_ptr<hvmtool::Stage> create_stage(hvmtool::StageSlot, const hvmtool::PluginParams& p) override {
    p.require_known({"marker"});
    return std::make_unique<HelloStage>(p.get_string("marker", "/dev/null"));
  }
};

}  // namespace vendor

HVMTOOL_PLUGIN(vendor::HelloPlugin)
