#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "kvm_domain.hpp"
#include "hvmtool/platform.hpp"

namespace hvmtool::kvm {

struct KvmOptions {
  std::string device = "/dev/kvm";
  std::filesystem::path registry_dir;  // empty = Registry::default_dir()
  std::chrono::milliseconds destroy_timeout{10000};
};

// Reads `params: {kvm: {...}}` (registry_dir, device, destroy_timeout).
KvmOptions parse_options(const PluginParams& params);

class KvmPlatform : public Platform {
 public:
  KvmPlatform(boost::asio::io_context& io, Logger& log, KvmOptions options);

  std::string_view name() const override { return "kvm"; }
  // The in-kernel irqchip (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2).
  PlatformFeatures features() const override { return {.ioapic = true, .lapic = true}; }
  void check_available() override;
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override;
  Store& store() override { return *state_->store; }
  std::vector<DomainSummary> list_domains() override;
  void destroy_domain(std::string_view name_or_id) override;

  // Beyond the interface: the concrete pieces, for tests and diagnostics.
  EmbeddedStore& embedded_store() { return *state_->store; }
  Registry& registry() { return *state_->registry; }
  const std::filesystem::path& registry_dir() const { return state_->registry->dir(); }

 private:
  KvmOptions options_;
  std::shared_ptr<PlatformState> state_;
};

}  // namespace hvmtool::kvm
