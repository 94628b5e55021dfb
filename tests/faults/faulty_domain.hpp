#pragma once

// A real platform's Domain and Store, with one operation made faulty
// (injected_fault.hpp). Everything else is passed through unchanged.

#include <memory>

#include "faults/injected_fault.hpp"
#include "hvmtool/domain.hpp"
#include "hvmtool/store.hpp"

namespace hvmtool::faults {

class FaultyDomain final : public Domain {
 public:
  FaultyDomain(std::unique_ptr<Domain> inner, const InjectedFault& fault) : inner_(std::move(inner)), fault_(fault) {}

  DomainId id() const override { return inner_->id(); }
  const std::string& name() const override { return inner_->name(); }
  void set_max_vcpus(unsigned count) override;
  void set_max_memory(std::uint64_t bytes) override;
  std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order) override;
  PopulateStats populate_stats() const override { return inner_->populate_stats(); }
  GuestMapping map(std::uint64_t gpa, std::size_t len) override;
  void set_hvm_param(std::uint32_t index, std::uint64_t value) override;
  std::uint64_t hvm_param(std::uint32_t index) const override;
  void set_vcpu_context(unsigned vcpu, const VcpuContext& context) override;
  void pause() override;
  void unpause() override;
  // Never faulty: destroy() is noexcept by contract and runs in rollback.
  void destroy() noexcept override { inner_->destroy(); }
  void set_event_handler(DomainEventHandler handler) override;

 private:
  std::unique_ptr<Domain> inner_;
  const InjectedFault& fault_;  // the platform's, which outlives its domains
};

class FaultyStore final : public Store {
 public:
  FaultyStore(Store& inner, const InjectedFault& fault) : inner_(inner), fault_(fault) {}

  void transact(const std::function<void(StoreTransaction&)>& body) override;
  std::optional<std::string> read(std::string_view path) override;
  std::vector<std::string> list(std::string_view path) override;
  void remove(std::string_view path) override;
  void introduce_domain(DomainId domid, std::uint64_t store_mfn, std::uint32_t store_port) override;

 private:
  Store& inner_;
  const InjectedFault& fault_;
};

}  // namespace hvmtool::faults
