#include "kvm_platform.hpp"

#include "hvmtool/error.hpp"

namespace hvmtool::kvm {

KvmOptions parse_options(const PluginParams& params) {
  params.require_known({"registry_dir", "device", "destroy_timeout"});
  KvmOptions o;
  o.device = params.get_string("device", o.device);
  o.registry_dir = params.get_string("registry_dir", "");
  o.destroy_timeout = std::chrono::milliseconds(
      params.get_uint("destroy_timeout", static_cast<std::uint64_t>(o.destroy_timeout.count()), 0, 3600000));
  return o;
}

KvmPlatform::KvmPlatform(boost::asio::io_context& io, Logger& log, KvmOptions options) : options_(std::move(options)) {
  std::filesystem::path dir = options_.registry_dir.empty() ? Registry::default_dir("kvm") : options_.registry_dir;
  auto registry = std::make_shared<Registry>(dir, "kvm");
  auto store = std::make_shared<EmbeddedStore>(io, registry->dir());
  state_ = std::make_shared<PlatformState>(PlatformState{io, log, nullptr, std::move(registry), std::move(store)});
}

void KvmPlatform::check_available() {
  if (!state_->host) state_->host = std::make_shared<KvmHost>(options_.device);
}

std::unique_ptr<Domain> KvmPlatform::create_domain(const DomainCreateInfo& info) {
  check_available();
  if (info.type != DomainType::hvm && info.type != DomainType::pvh)
    throw PlatformError("kvm: domain '" + info.name + "': type " +
                        std::string(info.type == DomainType::pv ? "pv" : "?") +
                        " needs Xen (kvm runs hvm and pvh domains)");
  auto d = KvmDomain::create(state_, info);  // max memory and vCPUs from info
  return std::make_unique<KvmDomainHandle>(std::move(d));
}

std::vector<DomainSummary> KvmPlatform::list_domains() { return state_->registry->summaries(); }

void KvmPlatform::destroy_domain(std::string_view name_or_id) {
  platforms::destroy_registered_domain(*state_->registry, name_or_id, options_.destroy_timeout);
}

}  // namespace hvmtool::kvm
