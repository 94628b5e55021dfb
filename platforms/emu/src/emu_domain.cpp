#include "emu_domain.hpp"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "emu_x86.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool::emu {

namespace {

thread_local const void* tl_vcpu_of = nullptr;  // the EmuDomain whose vCPU this thread runs

constexpr auto kSlice = std::chrono::milliseconds(10);  // time slice when several vCPUs can run

std::uint32_t ones(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

std::chrono::steady_clock::time_point steady_at(std::uint64_t monotonic_ns) {
  // steady_clock is CLOCK_MONOTONIC, the PIT's clock.
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(monotonic_ns));
}

}  // namespace

EmuDomain::EmuDomain(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info)
    : ps_(std::move(ps)),
      name_(info.name),
      max_vcpus_(info.max_vcpus ? info.max_vcpus : 1),
      mem_(std::make_shared<EmuMemory>(info.max_memory)),
      latch_(ps_->io),
      unhandled_(ps_->log, "emu: domain '" + info.name + "'"),
      pic_([this](bool asserted) { on_pic_output(asserted); }),
      pit_({}, [this] { wake_timer(); }) {
  bus_ =
      std::make_unique<PortBus>(info.console, [this](bool level) { pic_.set_irq(platforms::port::kCom1Irq, level); });
}

std::shared_ptr<EmuDomain> EmuDomain::create(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info) {
  std::shared_ptr<EmuDomain> d(new EmuDomain(std::move(ps), info));
  try {
    d->init();
  } catch (...) {
    d->destroy();
    throw;
  }
  platforms::add_live_domain(d->ps_->registry->dir(), d->id_, d);
  return d;
}

void EmuDomain::init() {
  if (max_vcpus_ > ps_->max_vcpus)
    throw PlatformError("emu: " + std::to_string(max_vcpus_) + " vCPUs requested, emu allows " +
                        std::to_string(ps_->max_vcpus));
  id_ = ps_->registry->allocate(name_, mem_->max_memory(), max_vcpus_);
  registered_ = true;
  bus_->cmos().set_cpu_count(max_vcpus_);
  ps_->store->add_local_domain(id_);  // the registry entry already says paused
}

EmuDomain::~EmuDomain() { destroy(); }

std::string EmuDomain::state() const {
  std::lock_guard lk(mu_);
  return state_locked();
}

std::string EmuDomain::state_locked() const {
  if (destroyed_) return "destroyed";
  if (shutdown_) return "shutdown";
  if (!started_ || paused_) return "paused";
  return "running";
}

unsigned EmuDomain::live_threads() const {
  std::lock_guard lk(mu_);
  unsigned n = 0;
  for (const auto& v : vcpus_)
    if (v->started && !v->exited) ++n;
  return n;
}

void EmuDomain::publish_state_locked() {
  // Under mu_, so that the last write is the current state (an unpause()
  // racing a guest that powers off at once cannot leave "running" behind).
  if (registered_) ps_->registry->update(id_, state_locked(), mem_->max_memory(), max_vcpus_);
}

// --- configuration -------------------------------------------------------------

void EmuDomain::set_max_vcpus(unsigned count) {
  std::lock_guard lk(mu_);
  if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
  if (count == 0 || count > ps_->max_vcpus)
    throw PlatformError("emu: max vcpus " + std::to_string(count) + " is outside 1.." + std::to_string(ps_->max_vcpus));
  if (!vcpus_.empty() && count != vcpus_.size())
    throw PlatformError("emu: max vcpus cannot change once vCPUs exist (" + std::to_string(vcpus_.size()) + ")");
  max_vcpus_ = count;
  bus_->cmos().set_cpu_count(count);
  publish_state_locked();
}

void EmuDomain::set_max_memory(std::uint64_t bytes) {
  std::lock_guard lk(mu_);
  if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
  mem_->set_max_memory(bytes);
  publish_state_locked();
}

std::size_t EmuDomain::populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order) {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
  }
  const std::size_t n = mem_->populate(first_gpfn, nr_extents, order);
  if (n == 0 || tl_vcpu_of == this) return n;  // a vCPU maps it at its next stop
  // Every vCPU maps new RAM before it runs again; the one inside its engine
  // now is stopped, and this returns once it has mapped it.
  const std::uint64_t gen = mem_->generation();
  std::unique_lock lk(mu_);
  if (executing_) {
    kick();
    parked_cv_.wait(lk, [&] { return stop_ || !executing_ || executing_->mem_generation >= gen; });
  }
  return n;
}

GuestMapping EmuDomain::map(std::uint64_t gpa, std::size_t len) {
  return GuestMapping(std::span<std::byte>(mem_->host(gpa, len), len), gpa);
}

void EmuDomain::set_hvm_param(std::uint32_t index, std::uint64_t value) {
  std::lock_guard lk(params_mu_);
  hvm_params_[index] = value;
}

std::uint64_t EmuDomain::hvm_param(std::uint32_t index) const {
  std::lock_guard lk(params_mu_);
  auto it = hvm_params_.find(index);
  return it == hvm_params_.end() ? 0 : it->second;  // unset params read 0, as on Xen
}

void EmuDomain::ensure_vcpus_locked() {
  if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
  while (vcpus_.size() < max_vcpus_) {
    auto v = std::make_shared<Vcpu>(static_cast<unsigned>(vcpus_.size()), static_cast<VcpuHost&>(*this));
    // Virtual wire mode (emu has no APIC): the PIC's INTR goes to vCPU 0.
    if (vcpus_.empty()) v->cpu.set_interrupt_line(&irq_line_);
    vcpus_.push_back(std::move(v));
  }
}

void EmuDomain::set_vcpu_context(unsigned vcpu, const VcpuContext& c) {
  std::lock_guard lk(mu_);
  if (vcpu >= max_vcpus_)
    throw PlatformError("emu: vCPU " + std::to_string(vcpu) + " does not exist (max vcpus " +
                        std::to_string(max_vcpus_) + ")");
  ensure_vcpus_locked();
  if (started_ && !all_parked_locked())
    throw PlatformError("emu: set_vcpu_context on a running domain (pause it first)");
  Vcpu& v = *vcpus_[vcpu];
  v.cpu.load(c);  // a fresh engine: nothing translated or mapped survives a new context
  v.halted = v.down = false;
  v.mem_generation = 0;
}

// --- running -------------------------------------------------------------------

bool EmuDomain::runnable_locked(const Vcpu& v) const {
  if (paused_ || shutdown_ || stop_ || v.down || !v.cpu.loaded()) return false;
  // A halted vCPU waits for an interrupt; only vCPU 0 gets the PIC's.
  return !v.halted || (v.cpu.index() == 0 && pic_.output());
}

bool EmuDomain::my_turn_locked(const Vcpu& v) const {
  // Round robin: the first runnable vCPU after the one that ran last.
  const auto n = static_cast<unsigned>(vcpus_.size());
  for (unsigned i = 1; i <= n; ++i) {
    const Vcpu& c = *vcpus_[(last_ran_ + i) % n];
    if (runnable_locked(c)) return &c == &v;
  }
  return false;
}

bool EmuDomain::all_parked_locked() const {
  for (const auto& v : vcpus_)
    if (v->started && !v->parked && !v->exited) {
      // A vCPU thread asking from inside a hook counts as parked for itself.
      if (tl_vcpu_of == this && executing_ == v.get()) continue;
      return false;
    }
  return true;
}

void EmuDomain::kick() {
  std::lock_guard k(kick_mu_);
  if (current_) current_->request_stop();
}

void EmuDomain::wake_timer() {
  {
    std::lock_guard lk(timer_mu_);
    timer_poke_ = true;
  }
  timer_cv_.notify_all();
}

void EmuDomain::on_pic_output(bool) {
  // The PIC reports changes from several threads, not necessarily in order:
  // each report stores the output as it is now, one report at a time, so the
  // line ends as the PIC is.
  bool asserted = false;
  {
    std::lock_guard lk(irq_mu_);
    asserted = pic_.output();
    irq_line_.store(asserted, std::memory_order_release);  // vCPU 0 stops for it once IF = 1
  }
  if (!asserted) return;
  {
    std::lock_guard lk(mu_);  // a halted vCPU 0 re-checks under it
  }
  run_cv_.notify_all();
  std::lock_guard k(kick_mu_);
  if (current_ && current_->index() != 0) current_->request_stop();  // the token goes round to vCPU 0
}

void EmuDomain::start_threads_locked() {
  // Threads run with every signal blocked but the synchronous ones:
  // SIGTERM/SIGINT belong to the process's main loop.
  sigset_t all, old;
  sigfillset(&all);
  sigdelset(&all, SIGSEGV);
  sigdelset(&all, SIGBUS);
  sigdelset(&all, SIGFPE);
  sigdelset(&all, SIGILL);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    for (auto& v : vcpus_) {
      // The thread keeps its Vcpu, the memory and the domain alive until it
      // ends, so a destroy() from inside a hook (which cannot join its own
      // thread) is still safe.
      v->thread = std::thread([self = shared_from_this(), v, mem = mem_]() mutable {
        self->vcpu_main(*v);
        v.reset();  // the engine goes before the RAM it maps
        mem.reset();
      });
      v->started = true;
      char tname[16];
      std::snprintf(tname, sizeof tname, "emu%u/vcpu%u", id_, v->cpu.index());
      pthread_setname_np(v->thread.native_handle(), tname);
    }
    timer_ = std::thread([this] { timer_main(); });
    char tname[16];
    std::snprintf(tname, sizeof tname, "emu%u/timer", id_);
    pthread_setname_np(timer_.native_handle(), tname);
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    stop_ = true;
    run_cv_.notify_all();
    throw;  // destroy() joins what was started
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void EmuDomain::unpause() {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
    if (shutdown_) {
      ps_->log.debug("emu: domain '" + name_ + "' has shut down; unpause ignored");
      return;
    }
    ensure_vcpus_locked();
    if (!started_) {
      start_threads_locked();
      started_ = true;
    }
    paused_ = false;
    publish_state_locked();
  }
  run_cv_.notify_all();
}

void EmuDomain::pause() {
  std::unique_lock lk(mu_);
  if (destroyed_) throw PlatformError("emu: domain '" + name_ + "' is destroyed");
  paused_ = true;
  kick();
  parked_cv_.wait(lk, [this] { return all_parked_locked(); });
  publish_state_locked();
}

void EmuDomain::vcpu_main(Vcpu& v) {
  tl_vcpu_of = this;
  for (;;) {
    {
      std::unique_lock lk(mu_);
      while (!stop_ && !(executing_ == nullptr && runnable_locked(v) && my_turn_locked(v))) {
        v.parked = true;
        parked_cv_.notify_all();
        run_cv_.wait(lk);
      }
      v.parked = false;
      if (stop_) break;
      executing_ = &v;
      std::lock_guard k(kick_mu_);
      current_ = &v.cpu;
    }
    run_slice(v);
    {
      std::lock_guard lk(mu_);
      {
        std::lock_guard k(kick_mu_);
        current_ = nullptr;
      }
      executing_ = nullptr;
      last_ran_ = v.cpu.index();
    }
    run_cv_.notify_all();
    parked_cv_.notify_all();
  }
  timespec cpu{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  char line[96];
  std::snprintf(line, sizeof line, "vCPU %u used %.1f ms of CPU", v.cpu.index(),
                static_cast<double>(cpu.tv_sec) * 1e3 + static_cast<double>(cpu.tv_nsec) / 1e6);
  ps_->log.debug("emu: domain '" + name_ + "' (id " + std::to_string(id_) + "): " + line + ", " +
                 std::to_string(stops_.load()) + " engine stops in all");
  std::lock_guard lk(mu_);
  v.exited = true;
  parked_cv_.notify_all();
}

void EmuDomain::run_slice(Vcpu& v) {
  EmuVcpu& cpu = v.cpu;
  cpu.take_stop_request();  // what it was for is seen below
  {
    std::lock_guard lk(mu_);
    if (!runnable_locked(v)) return;
  }
  if (mem_->generation() != v.mem_generation) {
    std::uint64_t gen = 0;
    const auto ram = mem_->ram(&gen);
    try {
      cpu.map_memory(ram, mem_->window());
    } catch (const PlatformError& e) {
      request_shutdown({ShutdownReason::crash, std::string(e.what()) + "; vCPU " + std::to_string(cpu.index())});
      return;
    }
    {
      std::lock_guard lk(mu_);
      v.mem_generation = gen;
    }
    parked_cv_.notify_all();
  }
  // The PIC's INTR goes to vCPU 0, taken when IF = 1 (the block hook stops
  // the engine for it when IF becomes 1).
  if (cpu.index() == 0 && pic_.output() && cpu.interrupts_enabled()) {
    const Delivery d = cpu.inject(pic_.acknowledge());
    if (d.result == Delivery::Result::triple_fault) {
      request_shutdown({ShutdownReason::reboot, "triple fault"});
      return;
    }
    if (d.result == Delivery::Result::refused) {
      request_shutdown({ShutdownReason::crash, "interrupt: " + d.reason + "; vCPU 0 " + cpu.where()});
      return;
    }
    std::lock_guard lk(mu_);
    v.halted = false;
  }
  const EmuVcpu::Stop s = cpu.run();
  stops_.fetch_add(1, std::memory_order_relaxed);
  switch (s.kind) {
    case EmuVcpu::Stop::Kind::requested:
      break;
    case EmuVcpu::Stop::Kind::halted:
      if (!cpu.interrupts_enabled()) {
        // Xen's rule: HLT with interrupts off takes the vCPU down, and a
        // domain with all vCPUs down is powered off.
        if (max_vcpus_ == 1) {
          request_shutdown({ShutdownReason::poweroff, "HLT with interrupts disabled"});
        } else {
          std::lock_guard lk(mu_);
          v.down = true;
        }
      } else {
        std::lock_guard lk(mu_);
        v.halted = true;
      }
      break;
    case EmuVcpu::Stop::Kind::shutdown:
      request_shutdown({s.reason, s.detail});
      break;
  }
}

void EmuDomain::timer_main() {
  auto next_slice = std::chrono::steady_clock::now() + kSlice;
  for (;;) {
    {
      std::lock_guard lk(timer_mu_);
      if (timer_stop_) return;
      timer_poke_ = false;
    }
    if (pit_.take_irq0_edges() > 0) pic_.pulse_irq(0);
    bool several = false;
    {
      std::lock_guard lk(mu_);
      unsigned n = 0;
      for (const auto& v : vcpus_)
        if (executing_ == v.get() || runnable_locked(*v)) ++n;
      several = n > 1;
    }
    const auto now = std::chrono::steady_clock::now();
    if (several && now >= next_slice) {
      kick();  // time slice over: the token goes round
      next_slice = now + kSlice;
    }
    auto deadline = now + std::chrono::hours(1);
    if (auto edge = pit_.next_irq0_edge()) deadline = std::min(deadline, steady_at(*edge));
    if (several) deadline = std::min(deadline, next_slice);
    std::unique_lock lk(timer_mu_);
    timer_cv_.wait_until(lk, deadline, [this] { return timer_stop_ || timer_poke_; });
  }
}

// --- guest I/O (vCPU threads, inside hooks) ---------------------------------------

std::uint32_t EmuDomain::port_in(std::uint16_t port, unsigned size) {
  if (Pic8259Pair::handles(port) || Pit8254::handles(port)) {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < size; ++i) {
      const auto p = static_cast<std::uint16_t>(port + i);
      const std::uint8_t b = Pic8259Pair::handles(p) ? pic_.read(p) : Pit8254::handles(p) ? pit_.read(p) : 0xFF;
      value |= static_cast<std::uint32_t>(b) << (8 * i);
    }
    return value;
  }
  std::uint32_t value = 0xFFFFFFFFu;
  if (!bus_->in(port, size, value)) {
    unhandled_.report(platforms::UnhandledAccessLog::Access::port_read, port, size);
    return ones(size);
  }
  return value & ones(size);
}

void EmuDomain::port_out(std::uint16_t port, unsigned size, std::uint32_t value) {
  if (Pic8259Pair::handles(port) || Pit8254::handles(port)) {
    for (unsigned i = 0; i < size; ++i) {
      const auto p = static_cast<std::uint16_t>(port + i);
      const auto b = static_cast<std::uint8_t>(value >> (8 * i));
      if (Pic8259Pair::handles(p))
        pic_.write(p, b);
      else if (Pit8254::handles(p))
        pit_.write(p, b);
    }
    return;
  }
  std::optional<ShutdownRequest> sd;
  if (!bus_->out(port, size, value, sd))
    unhandled_.report(platforms::UnhandledAccessLog::Access::port_write, port, size, value);
  if (sd) request_shutdown(std::move(*sd));
}

std::uint64_t EmuDomain::mmio_read(std::uint64_t gpa, unsigned size) {
  unhandled_.report(platforms::UnhandledAccessLog::Access::mmio_read, gpa, size);
  return ~0ull;  // nothing there: all-ones
}

void EmuDomain::mmio_write(std::uint64_t gpa, unsigned size, std::uint64_t value) {
  unhandled_.report(platforms::UnhandledAccessLog::Access::mmio_write, gpa, size, value);
}

// --- events and teardown -------------------------------------------------------------

void EmuDomain::request_shutdown(ShutdownRequest r) {
  DomainEvent ev;
  ev.kind = DomainEvent::Kind::shutdown;
  ev.reason = r.reason;
  ev.detail = std::move(r.detail);
  {
    // Under the lock: whoever sees state() == "shutdown" finds the event
    // latched, and the registry says so before any handler can see it.
    std::lock_guard lk(mu_);
    if (shutdown_ || stop_) return;  // the first reason wins, as on Xen
    shutdown_ = true;
    closed_ = true;
    kick();
    ps_->log.info("emu: domain '" + name_ + "' (id " + std::to_string(id_) + "): " + std::string(to_string(ev.reason)) +
                  " (" + ev.detail + ")");
    latch_.fire(std::move(ev), [this] { publish_state_locked(); });
  }
  run_cv_.notify_all();
}

void EmuDomain::destroy() noexcept {
  // A destroyed domain reports nothing it had not reported (as on Xen).
  if (teardown()) latch_.close();
}

bool EmuDomain::teardown() noexcept {
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    if (destroyed_) return false;
    destroyed_ = true;
    stop_ = true;
    closed_ = true;
    for (auto& v : vcpus_)
      if (v->thread.joinable()) threads.push_back(std::move(v->thread));
    kick();
  }
  run_cv_.notify_all();
  parked_cv_.notify_all();
  {
    std::lock_guard lk(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  for (auto& t : threads) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach();  // destroy() from our own hook: this thread ends by itself
    else
      t.join();
  }
  if (timer_.joinable()) timer_.join();
  {
    std::lock_guard lk(mu_);
    vcpus_.clear();  // engines closed (a vCPU thread destroying its domain closes its own when it ends)
  }
  if (tl_vcpu_of != this) mem_->release();  // else when that thread lets go of it
  std::lock_guard lk(mu_);
  if (registered_) {
    ps_->store->remove_local_domain(id_);
    ps_->registry->remove(id_);
    registered_ = false;
    platforms::forget_live_domain(ps_->registry->dir(), id_, this);
  }
  return true;
}

void EmuDomain::destroy_on_request(std::string_view why) noexcept {
  DomainEvent ev;
  ev.reason = ShutdownReason::poweroff;
  ev.detail = "destroyed (" + std::string(why) + ")";
  // The owner is told once the domain is gone (unless it was told of a
  // shutdown before); the latch stays open for that event.
  if (!latch_.fire(std::move(ev), [this] { teardown(); })) teardown();
  ps_->log.info("emu: domain '" + name_ + "' (id " + std::to_string(id_) + ") destroyed: " + std::string(why));
}

}  // namespace hvmtool::emu
