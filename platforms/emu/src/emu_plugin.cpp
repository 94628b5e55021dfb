// The emu platform plugin: hvmtool-emu.so.

#include "emu_platform.hpp"
#include "hvmtool/plugin.hpp"

namespace hvmtool::emu {

class EmuPlugin : public Plugin {
 public:
  std::string_view name() const override { return "emu"; }
  std::string_view version() const override { return "0.1.0"; }
  std::string_view description() const override {
    return "software x86 CPU (Unicorn) platform: hvmtool's firmware and test guests on any Linux host";
  }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    return std::make_unique<EmuPlatform>(ctx.io, ctx.log, parse_options(ctx.params));
  }
};

}  // namespace hvmtool::emu

HVMTOOL_PLUGIN(hvmtool::emu::EmuPlugin)
