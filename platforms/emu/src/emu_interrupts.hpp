#pragma once

// Interrupt and exception delivery in software. Unicorn delivers nothing
// itself (INT n and exceptions stop at UC_HOOK_INTR, #UD ends emulation) and
// has no injection API, so the emu platform does what the CPU would:
//
//   real mode          the IVT entry at IDTR.base + 4 x vector; FLAGS, CS
//                      and IP pushed; IF, TF and AC cleared
//   protected mode     the IDT gate (16- or 32-bit interrupt or trap gate);
//                      EFLAGS, CS, EIP and the error code pushed on the
//                      current stack; TF, NT, RF, VM cleared, IF too for
//                      interrupt gates
//
// A gate that cannot be used raises #GP or #NP as on the CPU, with the
// architectural escalation: contributory after contributory (or a page
// fault) becomes #DF, and a fault while delivering #DF is a triple fault.
//
// Refused, with the reason: long mode and virtual-8086 mode, task gates,
// handlers at another privilege level (a TSS stack switch), LDT selectors,
// a handler CS that Unicorn will not load, and a CS change in a 64-bit engine
// outside long mode (that engine loads no descriptors). Descriptor tables and
// the stack are read and written as physical memory: guests on emu are
// identity-mapped.

#include <cstdint>
#include <optional>
#include <string>

#include "emu_engine.hpp"

namespace hvmtool::emu {

enum class EventKind {
  external,   // an IRQ from the PIC
  software,   // INT n, INT3, INTO
  exception,  // raised by the CPU
};

struct Delivery {
  enum class Result { delivered, triple_fault, refused };
  Result result = Result::delivered;
  std::string reason;  // when refused
};

// Delivers `vector`; `return_ip` is the IP to push (the interrupted or the
// next instruction). The engine must not be running.
Delivery deliver_event(Engine& e, std::uint8_t vector, EventKind kind, std::optional<std::uint32_t> error_code,
                       std::uint64_t return_ip);

// Vectors for which the CPU pushes an error code.
bool pushes_error_code(std::uint8_t vector);
// "#GP" for 13 and so on; "vector 0x40" for the others.
std::string vector_name(std::uint8_t vector);

}  // namespace hvmtool::emu
