#include "kvm_domain.hpp"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "hvmtool/error.hpp"
#include "kvm_cpuid.hpp"
#include "kvm_irq_routing.hpp"

namespace hvmtool::kvm {

namespace {

thread_local const void* tl_vcpu_of = nullptr;  // the KvmDomain whose vCPU this thread is

void kick_handler(int) {}

// Installs the (empty) kick handler, once per process, and again if someone
// replaced it: the default action of SIGUSR1 would kill the process.
void ensure_kick_handler() {
  struct sigaction cur {};
  ::sigaction(kKickSignal, nullptr, &cur);
  if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == kick_handler) return;
  struct sigaction sa {};
  sa.sa_handler = kick_handler;
  sa.sa_flags = SA_RESTART;  // KVM_RUN still returns EINTR; other syscalls restart
  sigemptyset(&sa.sa_mask);
  ::sigaction(kKickSignal, &sa, nullptr);
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

kvm_segment to_kvm(const Segment& s) {
  kvm_segment k{};
  k.base = s.base;
  k.limit = s.limit;
  k.selector = s.selector;
  k.type = s.type;
  k.present = s.present;
  k.dpl = s.dpl;
  k.db = s.db;
  k.s = s.s;
  k.l = s.l;
  k.g = s.g;
  k.unusable = s.unusable;
  return k;
}

using Access = platforms::UnhandledAccessLog::Access;

}  // namespace

KvmDomain::KvmDomain(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info)
    : ps_(std::move(ps)),
      name_(info.name),
      events_(ps_->io),
      unhandled_(ps_->log, "kvm: domain '" + info.name + "'"),
      max_vcpus_(info.max_vcpus ? info.max_vcpus : 1),
      initial_max_memory_(info.max_memory) {
  bus_ = std::make_unique<PortBus>(info.console, [this](bool level) { set_irq_line(port::kCom1Irq, level); });
}

std::shared_ptr<KvmDomain> KvmDomain::create(std::shared_ptr<PlatformState> ps, const DomainCreateInfo& info) {
  std::shared_ptr<KvmDomain> d(new KvmDomain(std::move(ps), info));
  try {
    d->init();
  } catch (...) {
    d->destroy();
    throw;
  }
  platforms::add_live_domain(d->ps_->registry->dir(), d->id_, d);
  return d;
}

void KvmDomain::init() {
  const KvmHost& host = *ps_->host;
  if (max_vcpus_ > static_cast<unsigned>(host.max_vcpus()))
    throw PlatformError("kvm: " + std::to_string(max_vcpus_) + " vCPUs requested, this host allows " +
                        std::to_string(host.max_vcpus()));
  id_ = ps_->registry->allocate(name_, initial_max_memory_, max_vcpus_);
  registered_ = true;

  int fd = xioctl(host.fd(), KVM_CREATE_VM, 0ul);
  if (fd < 0) throw_errno("KVM_CREATE_VM");
  vm_.reset(fd);
  if (xioctl(vm_.get(), KVM_SET_IDENTITY_MAP_ADDR, const_cast<std::uint64_t*>(&kIdentityMapAddr)) < 0)
    throw_errno("KVM_SET_IDENTITY_MAP_ADDR " + hex(kIdentityMapAddr));
  if (xioctl(vm_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(kTssAddr)) < 0)
    throw_errno("KVM_SET_TSS_ADDR " + hex(kTssAddr));
  if (xioctl(vm_.get(), KVM_CREATE_IRQCHIP, 0ul) < 0) throw_errno("KVM_CREATE_IRQCHIP");
  set_pc_irq_routing(vm_.get());
  kvm_pit_config pit{};
  if (xioctl(vm_.get(), KVM_CREATE_PIT2, &pit) < 0) throw_errno("KVM_CREATE_PIT2");

  mem_ = std::make_unique<GuestMemory>(vm_.get(), host.nr_memslots(), initial_max_memory_);
  ps_->store->add_local_domain(id_);  // the registry entry already says paused
}

KvmDomain::~KvmDomain() { destroy(); }

std::string KvmDomain::state() const {
  std::lock_guard lk(mu_);
  if (destroyed_) return "destroyed";
  if (shutdown_) return "shutdown";
  if (!started_ || paused_) return "paused";
  return "running";
}

std::size_t KvmDomain::memslots() {
  std::lock_guard lk(mu_);
  if (!started_ || all_parked_locked()) mem_->commit_slots();
  return mem_->slot_count();
}

unsigned KvmDomain::live_threads() const {
  std::lock_guard lk(mu_);
  unsigned n = 0;
  for (const auto& v : vcpus_)
    if (v->started && !v->exited) ++n;
  return n;
}

void KvmDomain::publish_state() {
  // Under publish_mu_, state() is read after any change a concurrent caller
  // published: the last write is the current state (an unpause() racing a
  // guest that powers off at once cannot leave "running" behind).
  std::lock_guard lk(publish_mu_);
  if (registered_) ps_->registry->update(id_, state(), mem_ ? mem_->max_memory() : 0, max_vcpus_);
}

void KvmDomain::set_irq_line(unsigned irq, bool level) {
  kvm_irq_level l{};
  l.irq = irq;
  l.level = level ? 1 : 0;
  xioctl(vm_.get(), KVM_IRQ_LINE, &l);
}

// --- configuration -------------------------------------------------------------

void KvmDomain::set_max_vcpus(unsigned count) {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
    if (count == 0 || count > static_cast<unsigned>(ps_->host->max_vcpus()))
      throw PlatformError("kvm: max vcpus " + std::to_string(count) + " is outside 1.." +
                          std::to_string(ps_->host->max_vcpus()));
    if (!vcpus_.empty() && count != vcpus_.size())
      throw PlatformError("kvm: max vcpus cannot change once vCPUs exist (" + std::to_string(vcpus_.size()) + ")");
    max_vcpus_ = count;
    bus_->cmos().set_cpu_count(count);
  }
  publish_state();
}

void KvmDomain::set_max_memory(std::uint64_t bytes) {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
  }
  mem_->set_max_memory(bytes);
  publish_state();
}

std::size_t KvmDomain::populate_physmap(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order) {
  std::lock_guard lk(mu_);  // keeps unpause() from starting vCPUs meanwhile
  if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
  const bool running = started_ && !all_parked_locked();
  return mem_->populate(first_gpfn, nr_extents, order, running);
}

GuestMapping KvmDomain::map(std::uint64_t gpa, std::size_t len) {
  std::byte* p = mem_->host(gpa, len);
  return GuestMapping(std::span<std::byte>(p, len), gpa);
}

void KvmDomain::set_hvm_param(std::uint32_t index, std::uint64_t value) {
  std::lock_guard lk(params_mu_);
  hvm_params_[index] = value;
}

std::uint64_t KvmDomain::hvm_param(std::uint32_t index) const {
  std::lock_guard lk(params_mu_);
  auto it = hvm_params_.find(index);
  return it == hvm_params_.end() ? 0 : it->second;  // unset params read 0, as on Xen
}

void KvmDomain::set_event_handler(DomainEventHandler handler) { events_.set_handler(std::move(handler)); }

// --- vCPUs -----------------------------------------------------------------------

void KvmDomain::set_cpuid(Vcpu& v) {
  const std::vector<kvm_cpuid_entry2> entries = guest_cpuid(ps_->host->supported_cpuid(), v.index);
  std::vector<std::byte> buf(kCpuid2HeaderSize + entries.size() * sizeof(kvm_cpuid_entry2));
  const auto n = static_cast<std::uint32_t>(entries.size());
  std::memcpy(buf.data(), &n, sizeof n);
  std::memcpy(buf.data() + kCpuid2HeaderSize, entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  if (xioctl(v.fd.get(), kIoctlSetCpuid2, buf.data()) < 0)
    throw_errno("KVM_SET_CPUID2 on vCPU " + std::to_string(v.index));
}

void KvmDomain::ensure_vcpus_locked() {
  if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
  while (vcpus_.size() < max_vcpus_) {
    auto v = std::make_shared<Vcpu>();
    v->index = static_cast<unsigned>(vcpus_.size());
    int fd = xioctl(vm_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(v->index));
    if (fd < 0) throw_errno("KVM_CREATE_VCPU " + std::to_string(v->index));
    v->fd.reset(fd);
    const auto size = static_cast<std::size_t>(ps_->host->vcpu_mmap_size());
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) throw_errno("mmap of kvm_run for vCPU " + std::to_string(v->index));
    v->run_map = Mapping(p, size);
    v->run = static_cast<kvm_run*>(p);
    set_cpuid(*v);
    vcpus_.push_back(std::move(v));
  }
}

void KvmDomain::set_vcpu_context(unsigned vcpu, const VcpuContext& c) {
  std::lock_guard lk(mu_);
  if (vcpu >= max_vcpus_)
    throw PlatformError("kvm: vCPU " + std::to_string(vcpu) + " does not exist (max vcpus " +
                        std::to_string(max_vcpus_) + ")");
  ensure_vcpus_locked();
  if (started_ && !all_parked_locked())
    throw PlatformError("kvm: set_vcpu_context on a running domain (pause it first)");
  Vcpu& v = *vcpus_[vcpu];

  kvm_sregs s{};
  if (xioctl(v.fd.get(), KVM_GET_SREGS, &s) < 0) throw_errno("KVM_GET_SREGS");
  s.cs = to_kvm(c.cs);
  s.ds = to_kvm(c.ds);
  s.es = to_kvm(c.es);
  s.fs = to_kvm(c.fs);
  s.gs = to_kvm(c.gs);
  s.ss = to_kvm(c.ss);
  s.tr = to_kvm(c.tr);
  s.ldt = to_kvm(c.ldt);
  s.gdt.base = c.gdt.base;
  s.gdt.limit = c.gdt.limit;
  s.idt.base = c.idt.base;
  s.idt.limit = c.idt.limit;
  s.cr0 = c.cr0;
  s.cr2 = c.cr2;
  s.cr3 = c.cr3;
  s.cr4 = c.cr4;
  s.efer = c.efer;
  std::memset(s.interrupt_bitmap, 0, sizeof s.interrupt_bitmap);
  if (xioctl(v.fd.get(), KVM_SET_SREGS, &s) < 0) throw_errno("KVM_SET_SREGS on vCPU " + std::to_string(vcpu));

  kvm_regs r{};
  r.rax = c.rax;
  r.rbx = c.rbx;
  r.rcx = c.rcx;
  r.rdx = c.rdx;
  r.rsi = c.rsi;
  r.rdi = c.rdi;
  r.rsp = c.rsp;
  r.rbp = c.rbp;
  r.r8 = c.r8;
  r.r9 = c.r9;
  r.r10 = c.r10;
  r.r11 = c.r11;
  r.r12 = c.r12;
  r.r13 = c.r13;
  r.r14 = c.r14;
  r.r15 = c.r15;
  r.rip = c.rip;
  r.rflags = c.rflags | 0x2;
  if (xioctl(v.fd.get(), KVM_SET_REGS, &r) < 0) throw_errno("KVM_SET_REGS on vCPU " + std::to_string(vcpu));

  // An AP with an explicit context starts running instead of waiting for INIT/SIPI.
  kvm_mp_state mp{KVM_MP_STATE_RUNNABLE};
  if (xioctl(v.fd.get(), KVM_SET_MP_STATE, &mp) < 0) throw_errno("KVM_SET_MP_STATE on vCPU " + std::to_string(vcpu));
}

bool KvmDomain::all_parked_locked() const {
  for (const auto& v : vcpus_)
    if (v->started && !v->parked && !v->exited && v.get() != nullptr) {
      // A vCPU thread asking from inside an exit handler counts as parked for itself.
      if (tl_vcpu_of == this && pthread_equal(v->tid, pthread_self())) continue;
      return false;
    }
  return true;
}

void KvmDomain::kick_locked(Vcpu& v) {
  if (!v.started || v.exited) return;
  __atomic_store_n(&v.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
  if (!pthread_equal(v.tid, pthread_self())) pthread_kill(v.tid, kKickSignal);
}

void KvmDomain::unpause() {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
    if (shutdown_) {
      ps_->log.debug("kvm: domain '" + name_ + "' has shut down; unpause ignored");
      return;
    }
    ensure_vcpus_locked();
    mem_->commit_slots();  // all populated RAM is visible before a vCPU runs
    if (!started_) {
      ensure_kick_handler();
      // vCPU threads run with every signal blocked but the kick (and the
      // synchronous ones): SIGTERM/SIGINT belong to the process's main loop.
      sigset_t all, old;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &old);
      try {
        for (auto& v : vcpus_) {
          Vcpu* vp = v.get();
          // The thread keeps its Vcpu and the domain alive until it ends, so a
          // destroy() from inside an exit handler (which cannot join itself)
          // is still safe.
          vp->thread = std::thread([self = shared_from_this(), v] { self->vcpu_main(*v); });
          vp->tid = vp->thread.native_handle();
          vp->started = true;
          char tname[16];
          std::snprintf(tname, sizeof tname, "kvm%u/vcpu%u", id_, vp->index);
          pthread_setname_np(vp->tid, tname);
        }
      } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        stop_ = true;
        run_cv_.notify_all();
        throw;  // destroy() joins what was started
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      started_ = true;
    }
    paused_ = false;
    run_cv_.notify_all();
  }
  publish_state();
}

void KvmDomain::pause() {
  {
    std::unique_lock lk(mu_);
    if (destroyed_) throw PlatformError("kvm: domain '" + name_ + "' is destroyed");
    paused_ = true;
    for (auto& v : vcpus_) kick_locked(*v);
    parked_cv_.wait(lk, [this] { return all_parked_locked(); });
  }
  publish_state();
}

void KvmDomain::vcpu_main(Vcpu& v) {
  tl_vcpu_of = this;
  sigset_t kick;
  sigemptyset(&kick);
  sigaddset(&kick, kKickSignal);
  sigaddset(&kick, SIGSEGV);
  sigaddset(&kick, SIGBUS);
  sigaddset(&kick, SIGFPE);
  sigaddset(&kick, SIGILL);
  pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);

  for (;;) {
    {
      std::unique_lock lk(mu_);
      while (!stop_ && (paused_ || shutdown_)) {
        v.parked = true;
        parked_cv_.notify_all();
        run_cv_.wait(lk);
      }
      v.parked = false;
      if (stop_) break;
      // Cleared under the lock: a kick after this point sets it again and
      // KVM_RUN returns at once, so no kick is lost.
      __atomic_store_n(&v.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    }
    int r = ::ioctl(v.fd.get(), KVM_RUN, 0);
    if (r < 0) {
      int err = errno;
      if (err == EINTR || err == EAGAIN) continue;
      request_shutdown(
          {ShutdownReason::crash, "KVM_RUN failed on vCPU " + std::to_string(v.index) + ": " + std::strerror(err)});
      continue;
    }
    exits_.fetch_add(1, std::memory_order_relaxed);
    handle_exit(v);
  }

  std::lock_guard lk(mu_);
  v.exited = true;
  parked_cv_.notify_all();
}

void KvmDomain::handle_exit(Vcpu& v) {
  kvm_run* run = v.run;
  switch (run->exit_reason) {
    case KVM_EXIT_IO:
      handle_io(v);
      break;
    case KVM_EXIT_MMIO:
      handle_mmio(v);
      break;
    case KVM_EXIT_SHUTDOWN:
      request_shutdown({ShutdownReason::reboot, "triple fault"});
      break;
    case KVM_EXIT_SYSTEM_EVENT:
      switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
          request_shutdown({ShutdownReason::poweroff, "system event: shutdown"});
          break;
        case KVM_SYSTEM_EVENT_RESET:
          request_shutdown({ShutdownReason::reboot, "system event: reset"});
          break;
        case KVM_SYSTEM_EVENT_CRASH:
          request_shutdown({ShutdownReason::crash, "system event: crash"});
          break;
        default:
          break;
      }
      break;
    case KVM_EXIT_INTERNAL_ERROR: {
      std::string d = "KVM internal error, suberror " + std::to_string(run->internal.suberror);
      if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) d += " (instruction emulation failed)";
      request_shutdown({ShutdownReason::crash, d + " on vCPU " + std::to_string(v.index) + where(v)});
      break;
    }
    case KVM_EXIT_FAIL_ENTRY:
      request_shutdown({ShutdownReason::crash, "VM entry failed on vCPU " + std::to_string(v.index) +
                                                   ", hardware reason " +
                                                   hex(run->fail_entry.hardware_entry_failure_reason) + where(v)});
      break;
    case KVM_EXIT_HLT:
      // Only without the in-kernel LAPIC. Xen's rule: HLT with interrupts off
      // takes the vCPU down, and a domain with all vCPUs down is powered off.
      if (!run->if_flag && max_vcpus_ == 1)
        request_shutdown({ShutdownReason::poweroff, "HLT with interrupts disabled"});
      break;
    case KVM_EXIT_INTR:
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_DEBUG:
      break;
    default:
      request_shutdown({ShutdownReason::crash, "unhandled KVM exit reason " + std::to_string(run->exit_reason) +
                                                   " on vCPU " + std::to_string(v.index)});
      break;
  }
}

void KvmDomain::handle_io(Vcpu& v) {
  kvm_run* run = v.run;
  auto* data = reinterpret_cast<std::uint8_t*>(run) + run->io.data_offset;
  const std::uint16_t p = run->io.port;
  const unsigned size = run->io.size;
  const unsigned count = run->io.count;
  if (run->io.direction == KVM_EXIT_IO_OUT) {
    if (size == 1 && count > 1 && bus_->out_bytes(p, std::string_view(reinterpret_cast<const char*>(data), count)))
      return;
    for (unsigned i = 0; i < count; ++i) {
      std::uint32_t value = 0;
      std::memcpy(&value, data + i * size, size);
      std::optional<ShutdownRequest> sd;
      if (!bus_->out(p, size, value, sd)) unhandled_.report(Access::port_write, p, size, value);
      if (sd) {
        request_shutdown(std::move(*sd));
        return;
      }
    }
  } else {
    for (unsigned i = 0; i < count; ++i) {
      std::uint32_t value = 0xFFFFFFFFu;
      if (!bus_->in(p, size, value)) {
        value = 0xFFFFFFFFu;
        unhandled_.report(Access::port_read, p, size);
      }
      std::memcpy(data + i * size, &value, size);
    }
  }
}

void KvmDomain::handle_mmio(Vcpu& v) {
  kvm_run* run = v.run;
  const unsigned len = run->mmio.len;
  if (run->mmio.is_write) {
    std::uint64_t value = 0;
    std::memcpy(&value, run->mmio.data, len > 8 ? 8 : len);
    unhandled_.report(Access::mmio_write, run->mmio.phys_addr, len, value);
  } else {
    std::memset(run->mmio.data, 0xFF, sizeof run->mmio.data);  // nothing there: all-ones
    unhandled_.report(Access::mmio_read, run->mmio.phys_addr, len);
  }
}

std::string KvmDomain::where(const Vcpu& v) {
  kvm_regs r{};
  kvm_sregs s{};
  if (xioctl(v.fd.get(), KVM_GET_REGS, &r) < 0 || xioctl(v.fd.get(), KVM_GET_SREGS, &s) < 0) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf, ", at CS:RIP %04x:%llx (CS base %llx, CR0 %llx, CR4 %llx, EFER %llx)", s.cs.selector,
                static_cast<unsigned long long>(r.rip), static_cast<unsigned long long>(s.cs.base),
                static_cast<unsigned long long>(s.cr0), static_cast<unsigned long long>(s.cr4),
                static_cast<unsigned long long>(s.efer));
  return buf;
}

void KvmDomain::request_shutdown(ShutdownRequest r) {
  static constexpr const char* kNames[] = {"poweroff", "reboot", "crash"};
  const std::string what = std::string(kNames[static_cast<int>(r.reason)]) + " (" + r.detail + ")";
  DomainEvent ev;
  ev.kind = DomainEvent::Kind::shutdown;
  ev.reason = r.reason;
  ev.detail = std::move(r.detail);
  // The first reason wins, as on Xen. Under mu_, so that state() says
  // "shutdown" exactly when the event is latched: whoever sees it and then
  // sets a handler gets the event, and a handler sees the new state. The
  // registry says so before the event can reach the handler too (a handler
  // that lists domains sees it); it is written here without publish_mu_
  // (lock order), so publish_state() writes it again after a racing unpause.
  bool first = false;
  {
    std::lock_guard lk(mu_);
    if (stop_) return;  // being destroyed: it reports nothing more
    first = events_.fire(std::move(ev), [this] {
      shutdown_ = true;
      for (auto& v : vcpus_) kick_locked(*v);
      if (registered_) ps_->registry->update(id_, "shutdown", mem_ ? mem_->max_memory() : 0, max_vcpus_);
    });
  }
  if (!first) return;
  publish_state();
  ps_->log.info("kvm: domain '" + name_ + "' (id " + std::to_string(id_) + "): " + what);
}

// --- teardown --------------------------------------------------------------------

void KvmDomain::destroy() noexcept {
  // A destroyed domain reports nothing it had not reported (as on Xen).
  if (teardown()) events_.close();
}

bool KvmDomain::teardown() noexcept {
  std::vector<std::thread> threads;
  {
    std::lock_guard lk(mu_);
    if (destroyed_) return false;
    destroyed_ = true;
    stop_ = true;
    for (auto& v : vcpus_) {
      kick_locked(*v);
      if (v->thread.joinable()) threads.push_back(std::move(v->thread));
    }
    run_cv_.notify_all();
  }
  for (auto& t : threads) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach();  // destroy() from our own exit handler: this thread ends by itself
    else
      t.join();
  }
  {
    std::lock_guard lk(mu_);
    vcpus_.clear();  // kvm_run unmapped, vCPU fds closed
  }
  vm_.reset();
  if (mem_) mem_->release();
  if (registered_) {
    ps_->store->remove_local_domain(id_);
    {
      std::lock_guard lk(publish_mu_);  // a state written now would bring the entry back
      ps_->registry->remove(id_);
      registered_ = false;
    }
    platforms::forget_live_domain(ps_->registry->dir(), id_, this);
  }
  return true;
}

void KvmDomain::destroy_on_request(std::string_view why) noexcept {
  {
    std::lock_guard lk(mu_);
    if (destroyed_) return;
  }
  DomainEvent ev;
  ev.reason = ShutdownReason::poweroff;
  ev.detail = "destroyed (" + std::string(why) + ")";
  // The owner is told once the domain is gone (unless it was told of a
  // shutdown before); the latch stays open for that event.
  if (!events_.fire(std::move(ev), [this] { teardown(); })) teardown();
  ps_->log.info("kvm: domain '" + name_ + "' (id " + std::to_string(id_) + ") destroyed: " + std::string(why));
}

}  // namespace hvmtool::kvm
