#include "emu_vcpu.hpp"

#include <unicorn/x86.h>

#include <cstdio>
#include <cstring>

#include "emu_context.hpp"
#include "emu_x86.hpp"

namespace hvmtool::emu {

namespace {

constexpr std::uint32_t kHypervisorBase = 0x40000000, kHypervisorEnd = 0x4FFFFFFF;
constexpr std::uint32_t kExtendedFeatures = 0x80000001;  // EDX bit 29: long mode
constexpr std::uint8_t kInvalidOpcode = 6;
constexpr const char* kLongModeRefusal = "long mode needs a 64-bit entry on emu";

std::uint32_t ones(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

const char* access_name(uc_mem_type t) {
  switch (t) {
    case UC_MEM_WRITE_UNMAPPED:
    case UC_MEM_WRITE_PROT:
      return "write to";
    case UC_MEM_FETCH_UNMAPPED:
    case UC_MEM_FETCH_PROT:
      return "instruction fetch from";
    default:
      return "read of";
  }
}

}  // namespace

void EmuVcpu::load(const VcpuContext& context) {
  auto e = engine_for_context(context);
  e->add_hook(UC_HOOK_INSN, reinterpret_cast<void*>(&hook_in), this, UC_X86_INS_IN);
  e->add_hook(UC_HOOK_INSN, reinterpret_cast<void*>(&hook_out), this, UC_X86_INS_OUT);
  e->add_hook(UC_HOOK_INSN, reinterpret_cast<void*>(&hook_cpuid), this, UC_X86_INS_CPUID);
  e->add_hook(UC_HOOK_INTR, reinterpret_cast<void*>(&hook_intr), this);
  e->add_hook(UC_HOOK_MEM_INVALID, reinterpret_cast<void*>(&hook_mem_invalid), this);
  e->add_hook(UC_HOOK_BLOCK, reinterpret_cast<void*>(&hook_block), this);
  engine_ = std::move(e);
  pending_interrupt_.reset();
  refusal_.reset();
  bad_access_.reset();
  asked_for_long_mode_ = false;
}

bool EmuVcpu::interrupts_enabled() const { return engine_->reg(UC_X86_REG_EFLAGS) & x86::kFlagsIf; }

std::string EmuVcpu::where() const { return engine_ ? emu::where(*engine_) : std::string(); }

std::optional<std::string> EmuVcpu::long_mode_attempt() const {
  if (engine_->mode() == Engine::Mode::bits64) return std::nullopt;
  if (!(engine_->reg(UC_X86_REG_CR0) & VcpuContext::kCr0Pg) || !(engine_->reg(UC_X86_REG_CR4) & VcpuContext::kCr4Pae))
    return std::nullopt;
  const auto cs = gdt_descriptor(*engine_, static_cast<std::uint16_t>(engine_->reg(UC_X86_REG_CS)));
  if (!cs || !cs->code() || !cs->l) return std::nullopt;
  return std::string(kLongModeRefusal);
}

std::string EmuVcpu::opcode_bytes(std::size_t max) const {
  const std::uint64_t at = linear_ip(*engine_);
  std::string out;
  for (std::size_t i = 0; i < max; ++i) {
    std::uint8_t b = 0;
    if (!engine_->read_phys(at + i, &b, 1)) break;
    char buf[4];
    std::snprintf(buf, sizeof buf, "%s%02x", out.empty() ? "" : " ", b);
    out += buf;
  }
  return out;
}

EmuVcpu::Stop EmuVcpu::crash(const std::string& what) const {
  Stop s;
  s.kind = Stop::Kind::shutdown;
  s.reason = ShutdownReason::crash;
  s.detail = what;
  // PAE paging outside a 64-bit engine is, for the guests emu meets, a long
  // mode entry gone wrong (the engine dropped EFER.LME): say so first.
  if (engine_->mode() != Engine::Mode::bits64 && (engine_->reg(UC_X86_REG_CR0) & VcpuContext::kCr0Pg) &&
      (engine_->reg(UC_X86_REG_CR4) & VcpuContext::kCr4Pae) && what.rfind(kLongModeRefusal, 0) != 0)
    s.detail = std::string(kLongModeRefusal) + " (PAE paging is on in a " + Engine::mode_name(engine_->mode()) +
               " engine, which drops EFER.LME): " + what;
  s.detail += "; vCPU " + std::to_string(index_) + " " + where();
  return s;
}

// --- hooks (on the vCPU's thread, inside uc_emu_start) -----------------------

std::uint32_t EmuVcpu::hook_in(uc_engine*, std::uint32_t port, int size, void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  const auto n = static_cast<unsigned>(size);
  if (v->host_.io_closed() || v->refusal_) return ones(n);
  if (auto r = v->long_mode_attempt()) {
    v->refusal_ = std::move(r);
    v->request_stop();
    return ones(n);
  }
  return v->host_.port_in(static_cast<std::uint16_t>(port), n);
}

void EmuVcpu::hook_out(uc_engine*, std::uint32_t port, int size, std::uint32_t value, void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  if (v->host_.io_closed() || v->refusal_) return;
  if (auto r = v->long_mode_attempt()) {
    v->refusal_ = std::move(r);
    v->request_stop();
    return;
  }
  v->host_.port_out(static_cast<std::uint16_t>(port), static_cast<unsigned>(size), value);
}

int EmuVcpu::hook_cpuid(uc_engine*, void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  Engine& e = *v->engine_;
  const auto leaf = static_cast<std::uint32_t>(e.reg(UC_X86_REG_EAX));
  if (leaf == kExtendedFeatures && e.mode() != Engine::Mode::bits64) v->asked_for_long_mode_ = true;
  if (leaf < kHypervisorBase || leaf > kHypervisorEnd) return 0;  // the engine's own answer
  std::uint32_t regs[4] = {0, 0, 0, 0};                           // EAX, EBX, ECX, EDX
  if (leaf == kHypervisorBase) {
    regs[0] = kHypervisorBase + 1;  // highest hypervisor leaf
    std::memcpy(&regs[1], kCpuidSignature, 12);
  }
  const bool wide = e.mode() == Engine::Mode::bits64;
  e.set_reg(wide ? UC_X86_REG_RAX : UC_X86_REG_EAX, regs[0]);
  e.set_reg(wide ? UC_X86_REG_RBX : UC_X86_REG_EBX, regs[1]);
  e.set_reg(wide ? UC_X86_REG_RCX : UC_X86_REG_ECX, regs[2]);
  e.set_reg(wide ? UC_X86_REG_RDX : UC_X86_REG_EDX, regs[3]);
  return 1;  // skip the engine's CPUID
}

void EmuVcpu::hook_intr(uc_engine*, std::uint32_t intno, void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  v->pending_interrupt_ = static_cast<std::uint8_t>(intno);
  // Safe here: the exception has already left its block, with IP exact.
  v->engine_->stop();  // delivered when run() returns
}

void EmuVcpu::hook_block(uc_engine*, std::uint64_t, std::uint32_t, void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  if (v->stop_requested_.load(std::memory_order_acquire) ||
      (v->irq_line_ && v->irq_line_->load(std::memory_order_acquire) && v->interrupts_enabled())) {
    v->block_hook_stopped_ = true;
    v->engine_->stop();  // takes effect before the block's first instruction
  }
}

bool EmuVcpu::hook_mem_invalid(uc_engine*, uc_mem_type type, std::uint64_t address, int size, std::int64_t,
                               void* self) {
  auto* v = static_cast<EmuVcpu*>(self);
  v->bad_access_ = std::string("guest ") + access_name(type) + " unmapped guest-physical address " + hex(address) +
                   " (" + std::to_string(size) + " bytes)";
  return false;  // stops the engine with UC_ERR_*_UNMAPPED
}

// --- running ------------------------------------------------------------------

EmuVcpu::Stop EmuVcpu::run() {
  // uc_emu_start in 16-bit mode writes `begin` - CS x 16 to the 16-bit IP:
  // a guest that left real mode with a larger EIP cannot be resumed.
  if (engine_->mode() == Engine::Mode::bits16 && (engine_->reg(UC_X86_REG_EIP) & 0xFFFFFFFF) > 0xFFFF)
    return crash(
        "a 16-bit engine cannot resume at an IP above 0xffff (Unicorn would restart at IP & 0xffff): "
        "this guest needs a 32-bit entry on emu");
  block_hook_stopped_ = false;
  const uc_err err = engine_->run();
  if (refusal_) {
    Stop s = crash(*refusal_);
    refusal_.reset();
    return s;
  }
  if (auto r = long_mode_attempt()) return crash(*r);
  if (err == UC_ERR_INSN_INVALID) return on_invalid_opcode();
  if (bad_access_) {
    Stop s = crash(*bad_access_);
    bad_access_.reset();
    return s;
  }
  if (err != UC_ERR_OK) return crash(std::string("Unicorn stopped: ") + uc_strerror(err));
  if (pending_interrupt_) {
    const std::uint8_t vector = *pending_interrupt_;
    pending_interrupt_.reset();
    return on_interrupt(vector);
  }
  // Otherwise uc_emu_start ends, with UC_ERR_OK, only after a HLT.
  if (block_hook_stopped_) return Stop{};
  // A guest that looked for long mode where the engine hides it and then
  // halts for good is giving up on it (Linux's verify_cpu does), not done.
  if (asked_for_long_mode_ && !interrupts_enabled())
    return crash(std::string(kLongModeRefusal) + " (the guest read CPUID 0x80000001, where a " +
                 Engine::mode_name(engine_->mode()) + " engine hides long mode, then halted with interrupts off)");
  return Stop{Stop::Kind::halted, ShutdownReason::poweroff, {}};
}

EmuVcpu::Stop EmuVcpu::after_delivery(const Delivery& d, const std::string& what) const {
  switch (d.result) {
    case Delivery::Result::delivered:
      return Stop{};
    case Delivery::Result::triple_fault: {
      Stop s;
      s.kind = Stop::Kind::shutdown;
      s.reason = ShutdownReason::reboot;
      s.detail = "triple fault";
      return s;
    }
    default:
      return crash(what + ": " + d.reason);
  }
}

EmuVcpu::Stop EmuVcpu::on_invalid_opcode() {
  // UD0, UD1 and UD2 raise #UD by definition; for anything else Unicorn's
  // #UD may mean an instruction it does not implement, so it is not passed
  // on to the guest as if the CPU lacked it.
  const std::string bytes = opcode_bytes(8);
  if (bytes.rfind("0f 0b", 0) == 0 || bytes.rfind("0f b9", 0) == 0 || bytes.rfind("0f ff", 0) == 0)
    return after_delivery(
        deliver_event(*engine_, kInvalidOpcode, EventKind::exception, std::nullopt, engine_->reg(engine_->ip_id())),
        "invalid opcode " + bytes);
  return crash("invalid or unimplemented instruction (bytes " + (bytes.empty() ? std::string("unreadable") : bytes) +
               "): Unicorn raised #UD, which emu does not pass on for opcodes other than UD0/UD1/UD2");
}

EmuVcpu::Stop EmuVcpu::on_interrupt(std::uint8_t vector) {
  const std::uint64_t ip = engine_->reg(engine_->ip_id());
  // Unicorn reports INT n with IP after the instruction, a CPU exception
  // with IP at the faulting one; the bytes before IP tell them apart.
  EventKind kind = EventKind::exception;
  if (vector >= 32) {
    kind = EventKind::software;
  } else {
    const std::uint64_t at = linear_ip(*engine_);
    std::uint8_t before[2] = {0, 0};
    if (at >= 2 && engine_->read_phys(at - 2, before, 2)) {
      if ((before[0] == 0xCD && before[1] == vector) || (vector == 3 && before[1] == 0xCC) ||
          (vector == 4 && before[1] == 0xCE))
        kind = EventKind::software;
    }
  }
  if (kind == EventKind::exception && pushes_error_code(vector))
    return crash("exception " + vector_name(vector) +
                 ": Unicorn does not report the error code the CPU pushes with it, so emu cannot deliver it");
  return after_delivery(deliver_event(*engine_, vector, kind, std::nullopt, ip), vector_name(vector));
}

Delivery EmuVcpu::inject(std::uint8_t vector) {
  std::uint64_t ip = engine_->reg(engine_->ip_id());
  std::uint8_t next = 0;
  if (engine_->read_phys(linear_ip(*engine_), &next, 1) && next == 0xF4) ++ip;  // HLT: as if woken from it
  return deliver_event(*engine_, vector, EventKind::external, std::nullopt, ip);
}

}  // namespace hvmtool::emu
