#pragma once

#include <linux/kvm.h>
#include <pthread.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hvmtool/log.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool_platforms/embedded_store.hpp"
#include "hvmtool_platforms/event_latch.hpp"
#include "hvmtool_platforms/live_domains.hpp"
#include "hvmtool_platforms/port_bus.hpp"
#include "hvmtool_platforms/registry.hpp"
#include "hvmtool_platforms/unhandled_access_log.hpp"
#include "kvm_guest_memory.hpp"
#include "kvm_host.hpp"

namespace hvmtool::kvm {

using platforms::EmbeddedStore;
using platforms::PortBus;
using platforms::Registry;
using platforms::ShutdownRequest;
namespace port = platforms::port;

// Guest-physical addresses KVM needs for its own use on hosts without
// unrestricted guest support (VMX real-mode emulation). Both lie in the
// reserved pages below hvmloader's special pages (0xFEFF8000-0xFEFFFFFF, RAM
// populated by the builder) and must never be populated as RAM.
inline constexpr std::uint64_t kIdentityMapAddr = 0xFEFF4000;  // 1 page
inline constexpr std::uint64_t kTssAddr = 0xFEFF5000;          // 3 pages, up to 0xFEFF7FFF

// The vCPU kick: sent with pthread_kill() to a vCPU thread (after setting
// kvm_run.immediate_exit) to get it out of KVM_RUN. Its handler does nothing.
inline constexpr int kKickSignal = SIGUSR1;

// What every domain of one platform shares with it (and keeps alive).
struct PlatformState {
  boost::asio::io_context& io;
  Logger& log;
  std::shared_ptr<KvmHost> host;
  std::shared_ptr<Registry> registry;
  std::shared_ptr<EmbeddedStore> store;
};

class KvmDomain : public platforms::LiveDomain, public std::enable_shared_from_this<KvmDomain> {
 public:
  // Creates the VM (irqchip, PIT, TSS and identity map, registry entry).
  static std::shared_ptr<KvmDomain> create(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info);
  ~KvmDomain() override;

  DomainId id() const { return id_; }
  const std::string& name() const { return name_; }

  void set_max_vcpus(unsigned count);
  void set_max_memory(std::uint64_t bytes);
  std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned extent_order);
  PopulateStats populate_stats() const { return mem_->stats(); }
  GuestMapping map(std::uint64_t gpa, std::size_t len);
  void set_hvm_param(std::uint32_t index, std::uint64_t value);
  std::uint64_t hvm_param(std::uint32_t index) const;
  void set_vcpu_context(unsigned vcpu, const VcpuContext& context);
  void pause();
  void unpause();
  void destroy() noexcept;
  void set_event_handler(DomainEventHandler handler);

  // `hvmtool destroy` of a domain held by this very process: destroyed, and
  // the owner is told through its event handler.
  void destroy_on_request(std::string_view why) noexcept override;

  // Diagnostics (tests, logs).
  std::uint64_t unhandled_accesses() const { return unhandled_.count(); }
  std::uint64_t exits() const { return exits_.load(); }
  // Registers pending RAM first when no vCPU runs.
  std::size_t memslots();
  std::string state() const;
  unsigned live_threads() const;

 private:
  struct Vcpu {
    unsigned index = 0;
    UniqueFd fd;
    Mapping run_map;
    kvm_run* run = nullptr;
    std::thread thread;
    pthread_t tid{};
    bool started = false;
    bool parked = false;
    bool exited = false;
  };

  KvmDomain(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info);
  void init();

  void ensure_vcpus_locked();
  void set_cpuid(Vcpu& v);
  void vcpu_main(Vcpu& v);
  void handle_exit(Vcpu& v);
  void handle_io(Vcpu& v);
  void handle_mmio(Vcpu& v);
  void request_shutdown(ShutdownRequest r);
  // Stops and frees everything; false if that was done before.
  bool teardown() noexcept;
  void kick_locked(Vcpu& v);
  bool all_parked_locked() const;
  // ", at CS:RIP ..." for a crash message: where the vCPU stopped and in
  // which mode, which is all a firmware author has to go on.
  static std::string where(const Vcpu& v);
  // Writes state() to the registry entry. Never called under mu_.
  void publish_state();
  void set_irq_line(unsigned irq, bool level);

  std::shared_ptr<PlatformState> ps_;
  DomainId id_ = 0;
  bool registered_ = false;
  std::string name_;
  platforms::EventLatch events_;
  platforms::UnhandledAccessLog unhandled_;
  unsigned max_vcpus_;
  std::uint64_t initial_max_memory_;
  UniqueFd vm_;
  std::unique_ptr<GuestMemory> mem_;
  std::unique_ptr<PortBus> bus_;

  mutable std::mutex mu_;
  std::condition_variable run_cv_;            // vCPU threads wait here while paused
  std::condition_variable parked_cv_;         // pause() waits here for them
  std::vector<std::shared_ptr<Vcpu>> vcpus_;  // shared with their threads
  bool started_ = false, paused_ = true, shutdown_ = false, stop_ = false, destroyed_ = false;
  std::mutex publish_mu_;  // registry writes in the order of the states they write

  mutable std::mutex params_mu_;
  std::map<std::uint32_t, std::uint64_t> hvm_params_;

  std::atomic<std::uint64_t> exits_{0};
};

// The Domain handed to the framework: owns a KvmDomain and destroys it when
// dropped (a half-built domain never outlives its creator).
class KvmDomainHandle : public Domain {
 public:
  explicit KvmDomainHandle(std::shared_ptr<KvmDomain> d) : d_(std::move(d)) {}
  ~KvmDomainHandle() override { d_->destroy(); }

  DomainId id() const override { return d_->id(); }
  const std::string& name() const override { return d_->name(); }
  void set_max_vcpus(unsigned count) override { d_->set_max_vcpus(count); }
  void set_max_memory(std::uint64_t bytes) override { d_->set_max_memory(bytes); }
  std::size_t populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order) override {
    return d_->populate_physmap(first_gpfn, nr_extents, order);
  }
  PopulateStats populate_stats() const override { return d_->populate_stats(); }
  GuestMapping map(std::uint64_t gpa, std::size_t len) override { return d_->map(gpa, len); }
  void set_hvm_param(std::uint32_t index, std::uint64_t value) override { d_->set_hvm_param(index, value); }
  std::uint64_t hvm_param(std::uint32_t index) const override { return d_->hvm_param(index); }
  void set_vcpu_context(unsigned vcpu, const VcpuContext& c) override { d_->set_vcpu_context(vcpu, c); }
  void pause() override { d_->pause(); }
  void unpause() override { d_->unpause(); }
  void destroy() noexcept override { d_->destroy(); }
  void set_event_handler(DomainEventHandler h) override { d_->set_event_handler(std::move(h)); }

  KvmDomain& impl() { return *d_; }

 private:
  std::shared_ptr<KvmDomain> d_;
};

}  // namespace hvmtool::kvm
