#include "emu_context.hpp"

#include <unicorn/x86.h>

#include <cstring>
#include <initializer_list>
#include <string>

#include "emu_x86.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool::emu {

namespace {

struct SegReg {
  int id;
  const char* name;
  const Segment* seg;
};

[[noreturn]] void refuse(const std::string& why) { throw PlatformError("emu: cannot enter this vCPU context: " + why); }

std::string seg_name(const SegReg& r, const std::string& what) {
  return std::string(r.name) + " (selector " + hex(r.seg->selector) + ") " + what;
}

// Loads one segment register through the scratch GDT: the descriptor at
// the scratch page, the GDTR based so that the selector indexes it.
void load_through_scratch(Engine& e, const SegReg& r) {
  const Segment& s = *r.seg;
  if (s.selector & 4) refuse(seg_name(r, "is an LDT selector"));
  if ((s.selector & 0xFFFC) == 0) {
    if (r.id == UC_X86_REG_SS || r.id == UC_X86_REG_CS) refuse(seg_name(r, "is null"));
    check_uc(e.try_set_reg(r.id, s.selector), std::string("loading a null ") + r.name);
    return;
  }
  Descriptor d = Descriptor::from(s);
  if (d.s) d.type |= 1;  // accessed: the CPU would set it in the table
  std::uint64_t raw = 0;
  try {
    raw = d.encode();
  } catch (const PlatformError& err) {
    refuse(seg_name(r, err.what()));
  }
  if (!e.write_phys(kScratchGdt, &raw, sizeof raw)) refuse("the scratch GDT page is not writable");
  e.set_table(UC_X86_REG_GDTR, {kScratchGdt - (s.selector & 0xFFF8u), 0xFFFF});
  const uc_err err = e.try_set_reg(r.id, s.selector);
  if (err != UC_ERR_OK)
    refuse(seg_name(r, std::string("was refused by Unicorn (") + uc_strerror(err) + "): type " + hex(s.type) +
                           ", dpl " + std::to_string(s.dpl)));
}

void load_system_segments(Engine& e, const VcpuContext& c) {
  auto sys = [&](int id, const Segment& s) {
    if (s.unusable) {
      e.set_system_segment(id, 0, 0, 0, 0);
      return;
    }
    e.set_system_segment(id, s.selector, s.base, s.limit, Descriptor::from(s).attributes());
  };
  sys(UC_X86_REG_TR, c.tr);
  sys(UC_X86_REG_LDTR, c.ldt);
  e.set_table(UC_X86_REG_GDTR, {c.gdt.base, c.gdt.limit});
  e.set_table(UC_X86_REG_IDTR, {c.idt.base, c.idt.limit});
}

void load_gprs(Engine& e, const VcpuContext& c) {
  const bool wide = e.mode() == Engine::Mode::bits64;
  const std::initializer_list<std::pair<int, std::uint64_t>> regs32 = {
      {UC_X86_REG_EAX, c.rax}, {UC_X86_REG_EBX, c.rbx}, {UC_X86_REG_ECX, c.rcx}, {UC_X86_REG_EDX, c.rdx},
      {UC_X86_REG_ESI, c.rsi}, {UC_X86_REG_EDI, c.rdi}, {UC_X86_REG_ESP, c.rsp}, {UC_X86_REG_EBP, c.rbp}};
  const std::initializer_list<std::pair<int, std::uint64_t>> regs64 = {
      {UC_X86_REG_RAX, c.rax}, {UC_X86_REG_RBX, c.rbx}, {UC_X86_REG_RCX, c.rcx}, {UC_X86_REG_RDX, c.rdx},
      {UC_X86_REG_RSI, c.rsi}, {UC_X86_REG_RDI, c.rdi}, {UC_X86_REG_RSP, c.rsp}, {UC_X86_REG_RBP, c.rbp},
      {UC_X86_REG_R8, c.r8},   {UC_X86_REG_R9, c.r9},   {UC_X86_REG_R10, c.r10}, {UC_X86_REG_R11, c.r11},
      {UC_X86_REG_R12, c.r12}, {UC_X86_REG_R13, c.r13}, {UC_X86_REG_R14, c.r14}, {UC_X86_REG_R15, c.r15}};
  for (const auto& [id, v] : wide ? regs64 : regs32) e.set_reg(id, v);
  e.set_reg(e.flags_id(), c.rflags | 0x2);
  e.set_reg(e.ip_id(), c.rip);
}

void load_real_mode(Engine& e, const VcpuContext& c) {
  if (c.rip > 0xFFFF) refuse("real-mode IP " + hex(c.rip) + " is above 0xffff");
  for (const SegReg& r :
       {SegReg{UC_X86_REG_CS, "CS", &c.cs}, SegReg{UC_X86_REG_DS, "DS", &c.ds}, SegReg{UC_X86_REG_ES, "ES", &c.es},
        SegReg{UC_X86_REG_FS, "FS", &c.fs}, SegReg{UC_X86_REG_GS, "GS", &c.gs}, SegReg{UC_X86_REG_SS, "SS", &c.ss}}) {
    if (r.seg->base != static_cast<std::uint64_t>(r.seg->selector) << 4)
      refuse(seg_name(r, "has base " + hex(r.seg->base) +
                             ": Unicorn loads real-mode segments as selector x 16 and has no API for another base"));
    e.set_reg(r.id, r.seg->selector);
  }
  e.set_reg(UC_X86_REG_CR0, c.cr0);
  load_system_segments(e, c);
}

void load_protected_mode(Engine& e, const VcpuContext& c) {
  if (c.efer & VcpuContext::kEferLme) refuse("EFER.LME is set: long mode needs a 64-bit entry on emu (EFER.LMA)");
  if (c.cs.dpl != 0 || c.ss.dpl != 0 || (c.cs.selector & 3))
    refuse("emu enters vCPUs at CPL 0 only (CS " + hex(c.cs.selector) + ")");
  e.map_scratch(kScratchGdt, 0x1000);
  for (const SegReg& r :
       {SegReg{UC_X86_REG_SS, "SS", &c.ss}, SegReg{UC_X86_REG_CS, "CS", &c.cs}, SegReg{UC_X86_REG_DS, "DS", &c.ds},
        SegReg{UC_X86_REG_ES, "ES", &c.es}, SegReg{UC_X86_REG_FS, "FS", &c.fs}, SegReg{UC_X86_REG_GS, "GS", &c.gs}})
    load_through_scratch(e, r);
  e.unmap(kScratchGdt, 0x1000);
  e.set_reg(UC_X86_REG_CR0, c.cr0);
  e.set_reg(UC_X86_REG_CR2, c.cr2);
  e.set_reg(UC_X86_REG_CR3, c.cr3);
  e.set_reg(UC_X86_REG_CR4, c.cr4);
  if (c.efer) e.set_msr(x86::kMsrEfer, c.efer);
  load_system_segments(e, c);
}

void load_long_mode(Engine& e, const VcpuContext& c) {
  if (!c.cs.l) refuse("a 64-bit entry needs a 64-bit code segment (CS.L), not compatibility mode");
  if (!(c.cr0 & VcpuContext::kCr0Pg) || !(c.cr4 & VcpuContext::kCr4Pae))
    refuse("EFER.LMA without CR0.PG and CR4.PAE is not a valid long-mode state");
  // The 64-bit engine's caches are flat; CS, DS, ES and SS writes change the
  // selector only. FS and GS load their descriptors, from the scratch GDT.
  for (const SegReg& r : {SegReg{UC_X86_REG_CS, "CS", &c.cs}, SegReg{UC_X86_REG_DS, "DS", &c.ds},
                          SegReg{UC_X86_REG_ES, "ES", &c.es}, SegReg{UC_X86_REG_SS, "SS", &c.ss}})
    e.set_reg(r.id, r.seg->selector);
  e.map_scratch(kScratchGdt, 0x1000);
  for (const SegReg& r : {SegReg{UC_X86_REG_FS, "FS", &c.fs}, SegReg{UC_X86_REG_GS, "GS", &c.gs}})
    if (r.seg->selector & 0xFFFC) load_through_scratch(e, r);
  e.unmap(kScratchGdt, 0x1000);
  e.set_reg(UC_X86_REG_FS_BASE, c.fs.base);
  e.set_reg(UC_X86_REG_GS_BASE, c.gs.base);
  e.set_reg(UC_X86_REG_CR0, c.cr0);
  e.set_reg(UC_X86_REG_CR2, c.cr2);
  e.set_reg(UC_X86_REG_CR3, c.cr3);
  e.set_reg(UC_X86_REG_CR4, c.cr4);
  e.set_msr(x86::kMsrEfer, c.efer);
  load_system_segments(e, c);
}

}  // namespace

Engine::Mode engine_mode_for(const VcpuContext& c) {
  if (c.efer & VcpuContext::kEferLma) return Engine::Mode::bits64;
  if (c.cr0 & VcpuContext::kCr0Pe) return Engine::Mode::bits32;
  return Engine::Mode::bits16;
}

std::unique_ptr<Engine> engine_for_context(const VcpuContext& c) {
  auto e = std::make_unique<Engine>(engine_mode_for(c));
  switch (e->mode()) {
    case Engine::Mode::bits16:
      load_real_mode(*e, c);
      break;
    case Engine::Mode::bits32:
      load_protected_mode(*e, c);
      break;
    case Engine::Mode::bits64:
      load_long_mode(*e, c);
      break;
  }
  load_gprs(*e, c);
  return e;
}

}  // namespace hvmtool::emu
