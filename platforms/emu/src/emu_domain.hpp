#pragma once

// An emu domain: guest RAM in a host window (emu_memory.hpp), one Unicorn
// engine per vCPU (emu_vcpu.hpp), the common port devices plus emu's own PIC
// and PIT, and a timer thread that drives the PIT and kicks vCPUs.
//
// Threads: one per vCPU ("emuID/vcpuN"), created at the first unpause(), and
// one timer thread ("emuID/timer"). Only one vCPU executes at a time (the run
// token): Unicorn's TCG has no atomics that are safe between engines sharing
// memory. A vCPU gives the token up whenever its engine stops; with several
// runnable vCPUs the timer stops the running one every 10 ms.
//
// Kicks: Unicorn has no interrupt injection, so an event a vCPU must see
// (pause, shutdown, new RAM) sets its stop request, and the vCPU's engine
// stops at the start of its next translation block (emu_vcpu.hpp says why
// never in the middle of one); the event is handled between engine runs.
// An interrupt for vCPU 0 stops it the same way, as soon as EFLAGS.IF is
// set. The flag outlives a vCPU that is not inside its engine yet, so no
// kick is lost.

#include <pthread.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emu_memory.hpp"
#include "emu_pic.hpp"
#include "emu_pit.hpp"
#include "emu_vcpu.hpp"
#include "hvmtool/log.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool_platforms/embedded_store.hpp"
#include "hvmtool_platforms/event_latch.hpp"
#include "hvmtool_platforms/live_domains.hpp"
#include "hvmtool_platforms/port_bus.hpp"
#include "hvmtool_platforms/registry.hpp"
#include "hvmtool_platforms/unhandled_access_log.hpp"

namespace hvmtool::emu {

using platforms::EmbeddedStore;
using platforms::PortBus;
using platforms::Registry;
using platforms::ShutdownRequest;

// What every domain of one platform shares with it (and keeps alive).
struct PlatformState {
  boost::asio::io_context& io;
  Logger& log;
  std::shared_ptr<Registry> registry;
  std::shared_ptr<EmbeddedStore> store;
  unsigned max_vcpus = 64;
};

class EmuDomain : public platforms::LiveDomain, public std::enable_shared_from_this<EmuDomain>, private VcpuHost {
 public:
  static std::shared_ptr<EmuDomain> create(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info);
  ~EmuDomain() override;

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
  void set_event_handler(DomainEventHandler handler) { latch_.set_handler(std::move(handler)); }
  void destroy_on_request(std::string_view why) noexcept override;

  // Diagnostics (tests, logs).
  std::uint64_t unhandled_accesses() const { return unhandled_.count(); }
  std::uint64_t exits() const { return stops_.load(); }  // engine stops
  std::string state() const;
  unsigned live_threads() const;
  Pic8259Pair& pic() { return pic_; }

 private:
  struct Vcpu {
    explicit Vcpu(unsigned i, VcpuHost& host) : cpu(i, host) {}
    EmuVcpu cpu;
    std::thread thread;
    bool started = false, parked = false, exited = false;
    bool halted = false;  // HLT with IF = 1: waits for an interrupt
    bool down = false;    // HLT with IF = 0 in a multi-vCPU domain
    std::uint64_t mem_generation = 0;
  };

  EmuDomain(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info);
  void init();
  // Stops and joins the threads, frees engines and RAM, leaves the registry;
  // false if it had been done before.
  bool teardown() noexcept;

  // VcpuHost
  std::uint32_t port_in(std::uint16_t port, unsigned size) override;
  void port_out(std::uint16_t port, unsigned size, std::uint32_t value) override;
  std::uint64_t mmio_read(std::uint64_t gpa, unsigned size) override;
  void mmio_write(std::uint64_t gpa, unsigned size, std::uint64_t value) override;
  bool io_closed() const override { return closed_.load(); }

  void ensure_vcpus_locked();
  bool runnable_locked(const Vcpu& v) const;
  bool my_turn_locked(const Vcpu& v) const;
  bool all_parked_locked() const;
  void vcpu_main(Vcpu& v);
  // One engine run with what precedes and follows it; false when the vCPU
  // must not run now after all.
  void run_slice(Vcpu& v);
  void timer_main();
  // Stops the vCPU holding the run token at its next block start.
  void kick();
  void wake_timer();
  void on_pic_output(bool asserted);
  void request_shutdown(ShutdownRequest r);
  std::string state_locked() const;
  void publish_state_locked();
  void start_threads_locked();

  std::shared_ptr<PlatformState> ps_;
  DomainId id_ = 0;
  bool registered_ = false;
  std::string name_;
  unsigned max_vcpus_;
  std::shared_ptr<EmuMemory> mem_;  // shared with the vCPU threads
  platforms::EventLatch latch_;
  platforms::UnhandledAccessLog unhandled_;
  Pic8259Pair pic_;
  Pit8254 pit_;
  std::unique_ptr<PortBus> bus_;

  mutable std::mutex mu_;
  std::condition_variable run_cv_;            // vCPU threads wait here
  std::condition_variable parked_cv_;         // pause() waits here for them
  std::vector<std::shared_ptr<Vcpu>> vcpus_;  // shared with their threads
  bool started_ = false, paused_ = true, shutdown_ = false, stop_ = false, destroyed_ = false;
  const Vcpu* executing_ = nullptr;  // holds the run token
  unsigned last_ran_ = 0;
  std::atomic<bool> closed_{false};  // shutdown or destroyed: guest I/O is dropped

  // The vCPU holding the token (the one kick() stops). Taken after mu_
  // when both are needed.
  std::mutex kick_mu_;
  EmuVcpu* current_ = nullptr;
  std::mutex irq_mu_;
  std::atomic<bool> irq_line_{false};  // the PIC's INTR, to vCPU 0

  std::thread timer_;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false, timer_poke_ = false;

  mutable std::mutex params_mu_;
  std::map<std::uint32_t, std::uint64_t> hvm_params_;
  std::atomic<std::uint64_t> stops_{0};
};

// The Domain handed to the framework: owns an EmuDomain and destroys it when
// dropped (a half-built domain never outlives its creator).
class EmuDomainHandle : public Domain {
 public:
  explicit EmuDomainHandle(std::shared_ptr<EmuDomain> d) : d_(std::move(d)) {}
  ~EmuDomainHandle() override { d_->destroy(); }

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

  EmuDomain& impl() { return *d_; }

 private:
  std::shared_ptr<EmuDomain> d_;
};

}  // namespace hvmtool::emu
