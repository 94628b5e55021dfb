#pragma once

// x86 facts the emu platform needs beyond what Unicorn's API exposes:
// segment descriptors (Unicorn has no API for the hidden base/limit of a
// segment register, so they are read back from the descriptor tables the
// selectors point into) and the CPU's current operating mode.

#include <cstdint>
#include <optional>
#include <string>

#include "emu_engine.hpp"
#include "hvmtool/vcpu.hpp"

namespace hvmtool::emu {

// Control register and EFER bits are VcpuContext's (kCr0Pe, kEferLma...).
namespace x86 {
inline constexpr std::uint32_t kMsrEfer = 0xC0000080;
inline constexpr std::uint64_t kFlagsTf = 1u << 8;
inline constexpr std::uint64_t kFlagsIf = 1u << 9;
inline constexpr std::uint64_t kFlagsNt = 1u << 14;
inline constexpr std::uint64_t kFlagsRf = 1u << 16;
inline constexpr std::uint64_t kFlagsVm = 1u << 17;
inline constexpr std::uint64_t kFlagsAc = 1u << 18;
}  // namespace x86

// A code/data or system segment descriptor (8 bytes in a GDT/LDT).
struct Descriptor {
  std::uint64_t base = 0;
  std::uint32_t limit = 0;  // in bytes (granularity applied)
  std::uint8_t type = 0, s = 0, dpl = 0, present = 0, l = 0, db = 0, g = 0;

  static Descriptor decode(std::uint64_t raw);
  static Descriptor from(const Segment& seg);
  // Throws PlatformError if the limit cannot be encoded.
  std::uint64_t encode() const;
  // The attribute bits in the layout of a descriptor's high dword (what
  // Unicorn's TR/LDTR `flags` take).
  std::uint32_t attributes() const;
  bool code() const { return s && (type & 0x8); }
};

// The descriptor `selector` names in the current GDT, read through the
// engine; nullopt for a null or LDT selector or one outside the GDT limit.
std::optional<Descriptor> gdt_descriptor(const Engine& e, std::uint16_t selector);

struct CpuMode {
  bool protected_mode = false;  // CR0.PE
  bool long_mode = false;       // EFER.LMA
  bool paging = false;          // CR0.PG
  bool v86 = false;             // EFLAGS.VM
};
CpuMode cpu_mode(const Engine& e);

// Base of the code segment: selector x 16 in real mode, from the GDT in
// protected mode (0 when unknown, and in 64-bit mode).
std::uint64_t code_base(const Engine& e);
// The linear address of the next instruction (CS base + IP).
std::uint64_t linear_ip(const Engine& e);

// "at CS:RIP 0008:100234 (CR0 0x11, CR4 0x0, EFER 0x0, 32-bit engine)":
// where a vCPU stopped, for crash details.
std::string where(const Engine& e);

std::string hex(std::uint64_t v);

}  // namespace hvmtool::emu
