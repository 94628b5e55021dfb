// The kvm platform plugin: hvmtool-kvm.so.

#include "hvmtool/plugin.hpp"
#include "kvm_platform.hpp"

namespace hvmtool::kvm {

class KvmPlugin : public Plugin {
 public:
  std::string_view name() const override { return "kvm"; }
  std::string_view version() const override { return "0.1.0"; }
  std::string_view description() const override {
    return "Linux KVM platform: domains on /dev/kvm with an embedded store";
  }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    return std::make_unique<KvmPlatform>(ctx.io, ctx.log, parse_options(ctx.params));
  }
};

}  // namespace hvmtool::kvm

HVMTOOL_PLUGIN(hvmtool::kvm::KvmPlugin)
