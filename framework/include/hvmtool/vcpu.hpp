#pragma once

#include <cstdint>

namespace hvmtool {

// One segment register with its hidden (descriptor cache) state, in the form
// both KVM's kvm_segment and Xen's HVM CPU save record can be filled from.
struct Segment {
  std::uint64_t base = 0;
  std::uint32_t limit = 0xffff;
  std::uint16_t selector = 0;
  std::uint8_t type = 0;  // descriptor type field (e.g. 0xb = code exec/read accessed)
  std::uint8_t present = 1;
  std::uint8_t dpl = 0;
  std::uint8_t db = 0;  // default operation size (1 = 32-bit)
  std::uint8_t s = 1;   // code/data (1) vs system (0)
  std::uint8_t l = 0;   // 64-bit code
  std::uint8_t g = 0;   // limit in 4 KiB units
  std::uint8_t unusable = 0;
};

struct DescriptorTable {
  std::uint64_t base = 0;
  std::uint16_t limit = 0xffff;
};

// Architectural x86 register state for one vCPU at its first instruction.
struct VcpuContext {
  std::uint64_t rax = 0, rbx = 0, rcx = 0, rdx = 0, rsi = 0, rdi = 0, rsp = 0, rbp = 0;
  std::uint64_t r8 = 0, r9 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0;
  std::uint64_t rip = 0;
  std::uint64_t rflags = 0x2;  // bit 1 is reserved-as-one
  Segment cs, ds, es, fs, gs, ss, tr, ldt;
  DescriptorTable gdt, idt;
  std::uint64_t cr0 = 0x60000010, cr2 = 0, cr3 = 0, cr4 = 0, efer = 0;

  static constexpr std::uint64_t kCr0Pe = 1u << 0;
  static constexpr std::uint64_t kCr0Et = 1u << 4;
  static constexpr std::uint64_t kCr0Pg = 1u << 31;
  static constexpr std::uint64_t kCr4Pae = 1u << 5;
  static constexpr std::uint64_t kEferLme = 1u << 8;
  static constexpr std::uint64_t kEferLma = 1u << 10;

  // Real mode at cs:ip, as after reset but with the given CS (e.g. 0xf000:0xfff0).
  static VcpuContext real_mode(std::uint16_t cs_selector, std::uint16_t ip) {
    VcpuContext c;
    Segment data;
    data.type = 0x3;  // read/write, accessed
    c.ds = c.es = c.fs = c.gs = c.ss = data;
    c.cs = data;
    c.cs.type = 0xb;  // execute/read, accessed
    c.cs.selector = cs_selector;
    c.cs.base = static_cast<std::uint64_t>(cs_selector) << 4;
    c.rip = ip;
    c.tr = system_segment(0xb);
    c.ldt = system_segment(0x2);
    c.cr0 = 0x60000010;  // CD|NW|ET, the reset value
    return c;
  }

  // Flat 32-bit protected mode with paging off: the entry Xen (since 4.7) gives
  // hvmloader and PVH kernels. CR0 = PE|ET, 4 GiB segments, EBX = start info.
  static VcpuContext flat32(std::uint32_t entry, std::uint32_t ebx) {
    VcpuContext c;
    Segment code = flat_segment(0xb);
    code.selector = 0x08;
    Segment data = flat_segment(0x3);
    data.selector = 0x10;
    c.cs = code;
    c.ds = c.es = c.fs = c.gs = c.ss = data;
    c.tr = system_segment(0xb);
    c.tr.selector = 0x18;
    c.ldt = system_segment(0x2);
    c.ldt.unusable = 1;
    c.cr0 = kCr0Pe | kCr0Et;
    c.rip = entry;
    c.rbx = ebx;
    return c;
  }

  // 64-bit long mode with the caller's page tables (CR3) and GDT already in
  // guest memory; used by direct Linux boot (rsi = boot_params).
  static VcpuContext long_mode(std::uint64_t entry, std::uint64_t cr3, DescriptorTable gdt, std::uint16_t code_selector,
                               std::uint16_t data_selector) {
    VcpuContext c;
    Segment code = flat_segment(0xb);
    code.selector = code_selector;
    code.l = 1;
    code.db = 0;
    Segment data = flat_segment(0x3);
    data.selector = data_selector;
    c.cs = code;
    c.ds = c.es = c.fs = c.gs = c.ss = data;
    c.tr = system_segment(0xb);
    c.ldt = system_segment(0x2);
    c.ldt.unusable = 1;
    c.gdt = gdt;
    c.cr0 = kCr0Pe | kCr0Et | kCr0Pg;
    c.cr3 = cr3;
    c.cr4 = kCr4Pae;
    c.efer = kEferLme | kEferLma;
    c.rip = entry;
    return c;
  }

  static Segment flat_segment(std::uint8_t type) {
    Segment s;
    s.base = 0;
    s.limit = 0xffffffff;
    s.type = type;
    s.db = 1;
    s.g = 1;
    return s;
  }

  static Segment system_segment(std::uint8_t type) {
    Segment s;
    s.type = type;
    s.s = 0;
    s.limit = 0xffff;
    return s;
  }
};

}  // namespace hvmtool
