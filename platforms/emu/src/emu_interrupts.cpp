#include "emu_interrupts.hpp"

#include <unicorn/x86.h>

#include <variant>
#include <vector>

#include "emu_x86.hpp"

namespace hvmtool::emu {

namespace {

constexpr std::uint8_t kDoubleFault = 8, kInvalidTss = 10, kNotPresent = 11, kGeneralProtection = 13, kPageFault = 14;

struct Fault {
  std::uint8_t vector;
  std::uint32_t error;
};
struct Refusal {
  std::string why;
};
struct Done {};
using Attempt = std::variant<Done, Fault, Refusal>;

enum class Class { benign, contributory, page_fault, double_fault };

Class class_of(std::uint8_t v) {
  if (v == kDoubleFault) return Class::double_fault;
  if (v == kPageFault) return Class::page_fault;
  if (v == 0 || (v >= kInvalidTss && v <= kGeneralProtection)) return Class::contributory;
  return Class::benign;
}

// Pushes `values` (each `width` bytes) below SS:SP; SP wraps at 16 bits
// unless the stack segment is 32-bit.
bool push(Engine& e, std::uint64_t ss_base, bool big_stack, const std::vector<std::uint32_t>& values, unsigned width) {
  const std::uint64_t sp_mask = big_stack ? 0xFFFFFFFFull : 0xFFFFull;
  const std::uint64_t esp = e.reg(UC_X86_REG_ESP);
  std::uint64_t sp = esp & sp_mask;
  for (std::uint32_t v : values) {
    sp = (sp - width) & sp_mask;
    if (!e.write_phys((ss_base + sp) & 0xFFFFFFFFull, &v, width)) return false;
  }
  e.set_reg(UC_X86_REG_ESP, (esp & ~sp_mask) | sp);
  return true;
}

Attempt deliver_real(Engine& e, std::uint8_t vector, std::uint64_t return_ip) {
  const Engine::Table ivt = e.table(UC_X86_REG_IDTR);
  if (vector * 4u + 3 > ivt.limit) return Fault{kGeneralProtection, vector * 8u + 2};
  std::uint16_t entry[2] = {0, 0};  // offset, segment
  if (!e.read_phys(ivt.base + vector * 4u, entry, sizeof entry))
    return Refusal{"the IVT entry at " + hex(ivt.base + vector * 4u) + " is not guest memory"};
  const std::uint64_t ss_base = (e.reg(UC_X86_REG_SS) & 0xFFFF) << 4;
  const std::uint64_t flags = e.reg(UC_X86_REG_EFLAGS);
  const std::vector<std::uint32_t> frame = {static_cast<std::uint32_t>(flags & 0xFFFF),
                                            static_cast<std::uint32_t>(e.reg(UC_X86_REG_CS) & 0xFFFF),
                                            static_cast<std::uint32_t>(return_ip & 0xFFFF)};
  if (!push(e, ss_base, false, frame, 2)) return Refusal{"the real-mode stack is not guest memory"};
  e.set_reg(UC_X86_REG_EFLAGS, flags & ~(x86::kFlagsIf | x86::kFlagsTf | x86::kFlagsAc | x86::kFlagsRf));
  e.set_reg(UC_X86_REG_CS, entry[1]);
  e.set_reg(UC_X86_REG_EIP, entry[0]);
  return Done{};
}

Attempt deliver_protected(Engine& e, std::uint8_t vector, EventKind kind, std::optional<std::uint32_t> error_code,
                          std::uint64_t return_ip) {
  const std::uint32_t ext = kind == EventKind::software ? 0 : 1;
  const std::uint32_t idt_error = vector * 8u + 2 + ext;
  const Engine::Table idt = e.table(UC_X86_REG_IDTR);
  if (vector * 8u + 7 > idt.limit) return Fault{kGeneralProtection, idt_error};
  std::uint64_t gate = 0;
  if (!e.read_phys(idt.base + vector * 8u, &gate, sizeof gate))
    return Refusal{"the IDT entry at " + hex(idt.base + vector * 8u) + " is not guest memory"};
  const auto lo = static_cast<std::uint32_t>(gate), hi = static_cast<std::uint32_t>(gate >> 32);
  const unsigned type = (hi >> 8) & 0x1F;  // with the S bit, which must be clear
  const unsigned gate_dpl = (hi >> 13) & 3;
  const auto selector = static_cast<std::uint16_t>(lo >> 16);
  const std::uint32_t offset = (lo & 0xFFFF) | (hi & 0xFFFF0000u);
  if (type == 0x05) return Refusal{"task gates are not implemented on emu"};
  if (type != 0x06 && type != 0x07 && type != 0x0E && type != 0x0F) return Fault{kGeneralProtection, idt_error};
  const bool gate32 = type & 0x08, trap_gate = type & 0x01;
  const unsigned cpl = e.reg(UC_X86_REG_CS) & 3;
  if (kind == EventKind::software && gate_dpl < cpl) return Fault{kGeneralProtection, vector * 8u + 2};
  if (!((hi >> 15) & 1)) return Fault{kNotPresent, idt_error};
  if ((selector & 0xFFFC) == 0) return Fault{kGeneralProtection, ext};
  if (selector & 4) return Refusal{"the gate's code selector " + hex(selector) + " is in the LDT"};
  const auto code = gdt_descriptor(e, selector);
  if (!code || !code->code()) return Fault{kGeneralProtection, (selector & 0xFFFCu) + ext};
  if (!code->present) return Fault{kNotPresent, (selector & 0xFFFCu) + ext};
  if (cpl != 0 || code->dpl != 0)
    return Refusal{"a handler reached from CPL " + std::to_string(cpl) +
                   " needs a stack switch through the TSS, which emu does not implement"};

  const auto ss = static_cast<std::uint16_t>(e.reg(UC_X86_REG_SS));
  const auto stack = gdt_descriptor(e, ss);
  const std::uint64_t flags = e.reg(UC_X86_REG_EFLAGS);
  std::vector<std::uint32_t> frame = {static_cast<std::uint32_t>(flags),
                                      static_cast<std::uint32_t>(e.reg(UC_X86_REG_CS) & 0xFFFF),
                                      static_cast<std::uint32_t>(return_ip)};
  if (kind == EventKind::exception && pushes_error_code(vector)) frame.push_back(error_code.value_or(0));
  if (!push(e, stack ? stack->base : 0, stack ? stack->db : true, frame, gate32 ? 4 : 2))
    return Refusal{"the interrupt stack (SS " + hex(ss) + ") is not guest memory"};
  std::uint64_t new_flags = flags & ~(x86::kFlagsTf | x86::kFlagsNt | x86::kFlagsRf | x86::kFlagsVm);
  if (!trap_gate) new_flags &= ~x86::kFlagsIf;
  e.set_reg(UC_X86_REG_EFLAGS, new_flags);
  if (e.mode() == Engine::Mode::bits64) {
    // The 64-bit engine's CS writes change the selector only.
    if (selector != (e.reg(UC_X86_REG_CS) & 0xFFFF))
      return Refusal{"the handler's CS " + hex(selector) +
                     " differs from the current one, which a 64-bit engine outside long mode cannot load"};
  } else {
    const uc_err err = e.try_set_reg(UC_X86_REG_CS, selector);
    if (err != UC_ERR_OK)
      return Refusal{"Unicorn refused to load the handler's CS " + hex(selector) + " (" + uc_strerror(err) + ")"};
  }
  e.set_reg(UC_X86_REG_EIP, gate32 ? offset : (offset & 0xFFFF));
  return Done{};
}

}  // namespace

bool pushes_error_code(std::uint8_t v) {
  return v == kDoubleFault || (v >= kInvalidTss && v <= kPageFault) || v == 17 || v == 21 || v == 29 || v == 30;
}

std::string vector_name(std::uint8_t v) {
  static const char* const kNames[] = {"#DE", "#DB",      "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                       "#DF", "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF", "vector 15",
                                       "#MF", "#AC",      "#MC", "#XM", "#VE", "#CP"};
  if (v < sizeof kNames / sizeof kNames[0]) return kNames[v];
  return "vector " + hex(v);
}

Delivery deliver_event(Engine& e, std::uint8_t vector, EventKind kind, std::optional<std::uint32_t> error_code,
                       std::uint64_t return_ip) {
  for (;;) {
    const CpuMode m = cpu_mode(e);
    Attempt a;
    if (m.long_mode)
      a = Refusal{"interrupt and exception delivery in long mode is not implemented on emu"};
    else if (m.v86)
      a = Refusal{"interrupt delivery in virtual-8086 mode is not implemented on emu"};
    else if (!m.protected_mode)
      a = deliver_real(e, vector, return_ip);
    else
      a = deliver_protected(e, vector, kind, error_code, return_ip);

    if (std::holds_alternative<Done>(a)) return {};
    if (auto* r = std::get_if<Refusal>(&a))
      return {Delivery::Result::refused, "cannot deliver " + vector_name(vector) + ": " + r->why};
    const Fault f = std::get<Fault>(a);
    if (kind == EventKind::exception && vector == kDoubleFault) return {Delivery::Result::triple_fault, {}};
    const Class before = kind == EventKind::exception ? class_of(vector) : Class::benign;
    const Class now = class_of(f.vector);
    if ((before == Class::contributory && now == Class::contributory) ||
        (before == Class::page_fault && (now == Class::contributory || now == Class::page_fault))) {
      vector = kDoubleFault;
      error_code = 0;
    } else {
      vector = f.vector;
      error_code = f.error;
    }
    kind = EventKind::exception;
  }
}

}  // namespace hvmtool::emu
