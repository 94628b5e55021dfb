// The xen platform plugin: hvmtool-xen.so. Always on the real libraries.

#include "hvmtool/plugin.hpp"
#include "real_xen_api.hpp"
#include "xen_platform.hpp"

namespace hvmtool::xen {

class XenPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "xen"; }
  std::string_view version() const override { return "0.1.0"; }
  std::string_view description() const override {
    return "Xen platform: domains in a Xen dom0 through libxenctrl, libxenguest, libxenforeignmemory and libxenstore";
  }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    ctx.params.require_known({});
    return std::make_unique<XenPlatform>(ctx.io, ctx.log, make_real_xen_api());
  }
};

}  // namespace hvmtool::xen

HVMTOOL_PLUGIN(hvmtool::xen::XenPlugin)
