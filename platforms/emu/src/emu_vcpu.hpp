#pragma once

// One emu vCPU: a Unicorn engine with the platform's hooks, run in slices.
//
//   IN/OUT (UC_HOOK_INSN, also each element of INS/OUTS)  -> VcpuHost ports
//   the holes below 4 GiB (uc_mmio_map)                   -> VcpuHost MMIO
//   CPUID 0x40000000-0x4FFFFFFF (UC_HOOK_INSN CPUID)      -> "hvmtool-emu" leaves
//   INT n and exceptions (UC_HOOK_INTR)                   -> delivered in software
//   #UD (UC_ERR_INSN_INVALID)                             -> UD0/UD1/UD2 delivered,
//                                                            anything else refused
//   unmapped accesses (UC_HOOK_MEM_INVALID)               -> crash
//   the start of each translation block (UC_HOOK_BLOCK)   -> stops, see below
//
// Stopping: Unicorn 2.0.1 checks for uc_emu_stop() not only between
// translation blocks but after every guest memory access inside one, and
// when it leaves a block there it resumes at the block's start: the
// instructions before the stop (an OUT, a store) run twice. So nothing calls
// uc_emu_stop() while a block runs. A stop request is a flag, and the block
// hook, which runs at the start of every block before anything in it, stops
// the engine there. The same hook stops it when an interrupt is waiting for
// this vCPU and EFLAGS.IF is set, so delivery is prompt without kicks. A stop
// asked for from inside an I/O hook takes effect at the end of the current
// block; the domain drops the guest's I/O after a shutdown.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu_engine.hpp"
#include "emu_interrupts.hpp"
#include "hvmtool/domain.hpp"
#include "hvmtool/vcpu.hpp"

namespace hvmtool::emu {

// The hypervisor leaf 0x40000000's signature (EBX, ECX, EDX).
inline constexpr char kCpuidSignature[13] = "hvmtool-emu";

// What a vCPU needs from its domain. Called on the vCPU's thread, inside the
// engine's hooks.
class VcpuHost : public MmioHandler {
 public:
  virtual std::uint32_t port_in(std::uint16_t port, unsigned size) = 0;
  virtual void port_out(std::uint16_t port, unsigned size, std::uint32_t value) = 0;
  // True once guest I/O has no effect any more (the domain shut down or is
  // being destroyed): the rest of a translation block must not print.
  virtual bool io_closed() const = 0;
};

class EmuVcpu {
 public:
  struct Stop {
    enum class Kind {
      requested,  // request_stop(), an interrupt to take, or an event the vCPU handled
      halted,     // HLT
      shutdown,   // the guest ended the domain: `reason`, `detail`
    };
    Kind kind = Kind::requested;
    ShutdownReason reason = ShutdownReason::crash;
    std::string detail;
  };

  EmuVcpu(unsigned index, VcpuHost& host) : index_(index), host_(host) {}

  unsigned index() const { return index_; }
  // A fresh engine for `context` (throws PlatformError when emu cannot
  // represent it). Only while the vCPU does not run.
  void load(const VcpuContext& context);
  bool loaded() const { return engine_ != nullptr; }
  Engine::Mode mode() const { return engine_->mode(); }

  // Maps RAM (and holes) that the engine does not map yet.
  void map_memory(const std::vector<GpaRange>& ram, std::byte* window) { engine_->map_guest(ram, window, host_); }

  Stop run();
  // Asks run() to return at the next block start: from any thread, from
  // inside a hook, before run() or during it.
  void request_stop() { stop_requested_.store(true, std::memory_order_release); }
  // Clears the stop request, before the domain looks at its state.
  void take_stop_request() { stop_requested_.store(false); }
  // The interrupt line this vCPU takes interrupts from (vCPU 0: the PIC's
  // output), or null.
  void set_interrupt_line(const std::atomic<bool>* line) { irq_line_ = line; }

  bool interrupts_enabled() const;
  // Delivers an external interrupt now (the engine does not run). A HLT at
  // the current IP counts as executed: the handler returns after it.
  Delivery inject(std::uint8_t vector);
  // "at CS:RIP ..." (emu_x86.hpp).
  std::string where() const;

 private:
  static std::uint32_t hook_in(uc_engine*, std::uint32_t port, int size, void* self);
  static void hook_out(uc_engine*, std::uint32_t port, int size, std::uint32_t value, void* self);
  static int hook_cpuid(uc_engine*, void* self);
  static void hook_intr(uc_engine*, std::uint32_t intno, void* self);
  static void hook_block(uc_engine*, std::uint64_t address, std::uint32_t size, void* self);
  static bool hook_mem_invalid(uc_engine*, uc_mem_type type, std::uint64_t address, int size, std::int64_t value,
                               void* self);

  // In a 16- or 32-bit engine, a guest executing from a 64-bit code segment
  // has tried to enter long mode: the refusal, else nullopt.
  std::optional<std::string> long_mode_attempt() const;
  // Opcode bytes at the current IP, as "0f 0b" (at most 8), or "" if unreadable.
  std::string opcode_bytes(std::size_t max) const;
  Stop crash(const std::string& what) const;
  Stop on_invalid_opcode();
  Stop on_interrupt(std::uint8_t vector);
  Stop after_delivery(const Delivery& d, const std::string& what) const;

  const unsigned index_;
  VcpuHost& host_;
  std::unique_ptr<Engine> engine_;
  std::atomic<bool> stop_requested_{false};
  const std::atomic<bool>* irq_line_ = nullptr;
  // Set by hooks during run(), consumed when it returns.
  bool block_hook_stopped_ = false;
  std::optional<std::uint8_t> pending_interrupt_;
  std::optional<std::string> refusal_;
  std::optional<std::string> bad_access_;
  bool asked_for_long_mode_ = false;  // CPUID 0x80000001 in a 16/32-bit engine
};

}  // namespace hvmtool::emu
