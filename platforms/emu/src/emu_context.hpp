#pragma once

// Turning a VcpuContext into a Unicorn engine.
//
// Unicorn has no API for a segment register's hidden part, and its three x86
// modes reset the CPU differently:
//   UC_MODE_16  real mode (CR0 = 0), segment writes load selector x 16
//   UC_MODE_32  CR0 = PE with flat, zero-based segment caches; a segment
//               write loads the descriptor from the GDT in memory
//   UC_MODE_64  EFER = LME|LMA, CR0 = PE (paging per CR0 as written); a
//               segment write changes only the selector (FS/GS: the GDT)
// and in the 16- and 32-bit modes the CPU has no long mode (CPUID hides it,
// EFER.LME writes are dropped). So the entry context decides the mode:
// EFER.LMA -> 64-bit, CR0.PE -> 32-bit, else 16-bit, and a guest can never
// enter long mode later (emu_vcpu.cpp refuses one that tries).
//
// Segments are loaded the way the CPU loads them: a one-descriptor GDT on a
// scratch page, mapped in the fresh engine before any guest memory and
// unmapped afterwards, holds each descriptor in turn; the GDTR then gets the
// context's value. Guest RAM is never written.

#include <memory>

#include "emu_engine.hpp"
#include "hvmtool/vcpu.hpp"

namespace hvmtool::emu {

// Where the scratch GDT page lives while a context is loaded (nothing else
// is mapped in the engine then).
inline constexpr std::uint64_t kScratchGdt = 0xFFFFF000;

Engine::Mode engine_mode_for(const VcpuContext& c);

// A new engine in the mode the context asks for, with its registers loaded.
// Throws PlatformError ("emu: ...") for what Unicorn cannot represent: a
// real-mode segment whose base is not selector x 16, an entry at CPL > 0, an
// LDT selector, EFER.LME without a 64-bit entry, a 64-bit entry without a
// 64-bit code segment.
std::unique_ptr<Engine> engine_for_context(const VcpuContext& c);

}  // namespace hvmtool::emu
