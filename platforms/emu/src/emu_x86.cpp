#include "emu_x86.hpp"

#include <cstdio>

#include "hvmtool/error.hpp"

namespace hvmtool::emu {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

Descriptor Descriptor::decode(std::uint64_t raw) {
  Descriptor d;
  const auto lo = static_cast<std::uint32_t>(raw), hi = static_cast<std::uint32_t>(raw >> 32);
  d.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
  std::uint32_t limit = (lo & 0xFFFF) | (hi & 0xF0000);
  d.type = (hi >> 8) & 0xF;
  d.s = (hi >> 12) & 1;
  d.dpl = (hi >> 13) & 3;
  d.present = (hi >> 15) & 1;
  d.l = (hi >> 21) & 1;
  d.db = (hi >> 22) & 1;
  d.g = (hi >> 23) & 1;
  d.limit = d.g ? (limit << 12) | 0xFFF : limit;
  return d;
}

Descriptor Descriptor::from(const Segment& seg) {
  Descriptor d;
  d.base = seg.base;
  d.limit = seg.limit;
  d.type = seg.type;
  d.s = seg.s;
  d.dpl = seg.dpl;
  d.present = seg.present;
  d.l = seg.l;
  d.db = seg.db;
  d.g = seg.g;
  return d;
}

std::uint32_t Descriptor::attributes() const {
  return (static_cast<std::uint32_t>(type & 0xF) << 8) | (static_cast<std::uint32_t>(s & 1) << 12) |
         (static_cast<std::uint32_t>(dpl & 3) << 13) | (static_cast<std::uint32_t>(present & 1) << 15) |
         (static_cast<std::uint32_t>(l & 1) << 21) | (static_cast<std::uint32_t>(db & 1) << 22) |
         (static_cast<std::uint32_t>(g & 1) << 23);
}

std::uint64_t Descriptor::encode() const {
  std::uint32_t raw_limit = limit;
  if (g) {
    raw_limit = limit >> 12;
  } else if (limit > 0xFFFFF) {
    throw PlatformError("emu: segment limit " + hex(limit) + " needs 4 KiB granularity (G)");
  }
  const auto b = static_cast<std::uint32_t>(base);
  const std::uint32_t lo = (raw_limit & 0xFFFF) | (b << 16);
  const std::uint32_t hi = ((b >> 16) & 0xFF) | (raw_limit & 0xF0000) | (b & 0xFF000000u) | attributes();
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

std::optional<Descriptor> gdt_descriptor(const Engine& e, std::uint16_t selector) {
  if ((selector & 0xFFFC) == 0 || (selector & 4)) return std::nullopt;
  const Engine::Table gdt = e.table(UC_X86_REG_GDTR);
  const unsigned index = selector & 0xFFF8;
  if (index + 7 > gdt.limit) return std::nullopt;
  std::uint64_t raw = 0;
  if (!e.read_phys(gdt.base + index, &raw, sizeof raw)) return std::nullopt;
  return Descriptor::decode(raw);
}

CpuMode cpu_mode(const Engine& e) {
  CpuMode m;
  const std::uint64_t cr0 = e.reg(UC_X86_REG_CR0);
  m.protected_mode = cr0 & VcpuContext::kCr0Pe;
  m.paging = cr0 & VcpuContext::kCr0Pg;
  m.v86 = e.reg(UC_X86_REG_EFLAGS) & x86::kFlagsVm;
  // Only a 64-bit engine can be in long mode (the others hide it).
  m.long_mode = e.mode() == Engine::Mode::bits64 && (e.msr(x86::kMsrEfer) & VcpuContext::kEferLma);
  return m;
}

std::uint64_t code_base(const Engine& e) {
  const CpuMode m = cpu_mode(e);
  const auto cs = static_cast<std::uint16_t>(e.reg(UC_X86_REG_CS));
  if (!m.protected_mode || m.v86) return static_cast<std::uint64_t>(cs) << 4;
  auto d = gdt_descriptor(e, cs);
  if (!d || (m.long_mode && d->l)) return 0;  // 64-bit code has no base
  return d->base;
}

std::uint64_t linear_ip(const Engine& e) {
  const std::uint64_t ip = e.reg(e.ip_id());
  const CpuMode m = cpu_mode(e);
  if (!m.long_mode) return (code_base(e) + (ip & 0xFFFFFFFF)) & 0xFFFFFFFF;
  return code_base(e) + ip;
}

std::string where(const Engine& e) {
  char buf[200];
  std::snprintf(
      buf, sizeof buf, "at CS:RIP %04llx:%llx (CR0 0x%llx, CR4 0x%llx, EFER 0x%llx, %s engine)",
      static_cast<unsigned long long>(e.reg(UC_X86_REG_CS) & 0xFFFF), static_cast<unsigned long long>(e.reg(e.ip_id())),
      static_cast<unsigned long long>(e.reg(UC_X86_REG_CR0)), static_cast<unsigned long long>(e.reg(UC_X86_REG_CR4)),
      static_cast<unsigned long long>(e.msr(x86::kMsrEfer)), Engine::mode_name(e.mode()));
  return buf;
}

}  // namespace hvmtool::emu
