// hvmtool-faulty.so: a real platform (emu, or kvm where /dev/kvm exists)
// with one of its operations made faulty: it fails, throws a foreign std
// type or an int, hangs, or sends the process SIGTERM (injected_fault.hpp).
//
// params: faulty: {inner: emu|kvm, op: OP, fault: fail|std|int|hang|sigterm,
//                  hang_ms: N, registry_dir: DIR}
// OP is a Platform, Domain or Store operation (create_domain, populate_physmap,
// store.transact, ...); registry_dir goes to the inner platform.

#include <hvmtool/hvmtool.hpp>

#include "emu_platform.hpp"
#include "faults/faulty_domain.hpp"
#include "kvm_platform.hpp"

namespace hvmtool::faults {

namespace {

InjectedFault fault_from(const PluginParams& p) {
  InjectedFault f;
  f.op = p.get_string("op", "");
  const std::string kind = p.get_choice("fault", "fail", {"fail", "std", "int", "hang", "sigterm"});
  f.kind = kind == "fail"   ? FaultKind::fail
           : kind == "std"  ? FaultKind::std
           : kind == "int"  ? FaultKind::non_std
           : kind == "hang" ? FaultKind::hang
                            : FaultKind::sigterm;
  f.hang = std::chrono::milliseconds(p.get_uint("hang_ms", 1000, 1, 60000));
  return f;
}

std::unique_ptr<Platform> inner_platform(const PlatformContext& ctx) {
  const std::string inner = ctx.params.get_choice("inner", "emu", {"emu", "kvm"});
  const std::filesystem::path registry_dir = ctx.params.get_string("registry_dir", "");
  if (inner == "kvm") {
    kvm::KvmOptions options;
    options.registry_dir = registry_dir;
    return std::make_unique<kvm::KvmPlatform>(ctx.io, ctx.log, options);
  }
  emu::EmuOptions options;
  options.registry_dir = registry_dir;
  return std::make_unique<emu::EmuPlatform>(ctx.io, ctx.log, options);
}

class FaultyPlatform final : public Platform {
 public:
  FaultyPlatform(std::unique_ptr<Platform> inner, InjectedFault fault)
      : inner_(std::move(inner)), fault_(std::move(fault)) {}

  std::string_view name() const override { return "faulty"; }
  void check_available() override {
    fault_.at("check_available");
    inner_->check_available();
    store_ = std::make_unique<FaultyStore>(inner_->store(), fault_);
  }
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override {
    fault_.at("create_domain");
    return std::make_unique<FaultyDomain>(inner_->create_domain(info), fault_);
  }
  Store& store() override { return *store_; }
  std::vector<DomainSummary> list_domains() override {
    fault_.at("list_domains");
    return inner_->list_domains();
  }
  void destroy_domain(std::string_view name_or_id) override {
    fault_.at("destroy_domain");
    inner_->destroy_domain(name_or_id);
  }

 private:
  std::unique_ptr<Platform> inner_;
  InjectedFault fault_;
  std::unique_ptr<FaultyStore> store_;
};

class FaultyPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "faulty"; }
  std::string_view version() const override { return "test"; }
  bool provides_platform() const override { return true; }
  std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) override {
    ctx.params.require_known({"inner", "op", "fault", "hang_ms", "registry_dir"});
    return std::make_unique<FaultyPlatform>(inner_platform(ctx), fault_from(ctx.params));
  }
};

}  // namespace

}  // namespace hvmtool::faults

HVMTOOL_PLUGIN(hvmtool::faults::FaultyPlugin)
