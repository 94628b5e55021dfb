#pragma once

// The emulated guest I/O ports of a kvm domain (the project's guest I/O ABI,
// documented in platforms/kvm/README.md). Everything else in the PC platform
// (PIC, IOAPIC, LAPIC, PIT, speaker port) is KVM's in-kernel emulation.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cmos_rtc.hpp"
#include "hvmtool/domain.hpp"

namespace hvmtool::kvm {

namespace port {
inline constexpr std::uint16_t kDebugCon = 0xE9;       // ConsoleChannel::debug
inline constexpr std::uint16_t kCmosIndex = 0x70;      // RTC/CMOS: index (bit 7 = NMI mask)
inline constexpr std::uint16_t kCmosData = 0x71;       // RTC/CMOS: data
inline constexpr std::uint16_t kPost = 0x80;           // POST codes / io_delay: ignored quietly
inline constexpr std::uint16_t kSeabiosDebug = 0x402;  // ConsoleChannel::firmware_debug
inline constexpr std::uint16_t kPvpanic = 0x505;       // write nonzero = crash
inline constexpr std::uint16_t kPm1aCnt = 0x604;       // 16-bit, bit 13 SLP_EN = poweroff
inline constexpr std::uint16_t kResetControl = 0xCF9;  // bit 2 RST_CPU = reboot
inline constexpr std::uint16_t kCom1 = 0x3F8;          // 16550A UART, 8 ports, IRQ 4
inline constexpr std::uint8_t kCom1Irq = 4;
}  // namespace port

struct ShutdownRequest {
  ShutdownReason reason;
  std::string detail;
};

// A 16550A UART good enough for Linux's 8250 driver (autoconfig probe with
// scratch, loopback and FIFO tests; polled console; THRE/RX interrupts on
// IRQ 4 gated by MCR.OUT2). Transmission is instantaneous; there is no input
// source yet, so the receiver only ever sees loopback bytes.
class Uart16550 {
 public:
  using Output = std::function<void(std::string_view)>;
  using IrqLine = std::function<void(bool level)>;
  Uart16550(Output out, IrqLine irq) : out_(std::move(out)), irq_(std::move(irq)) {}

  void write(unsigned offset, std::uint8_t value);
  std::uint8_t read(unsigned offset);

 private:
  void update_irq_locked();
  std::uint8_t msr_locked() const;

  std::mutex mu_;
  Output out_;
  IrqLine irq_;
  std::uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, dll_ = 0x0C, dlm_ = 0, fcr_ = 0;
  std::optional<std::uint8_t> rbr_;  // a received (loopback) byte
  bool thre_pending_ = false;        // THR-empty interrupt condition
  bool line_ = false;
};

// Dispatches port I/O exits. Thread-safe (called from every vCPU thread).
class PortBus {
 public:
  PortBus(ConsoleSink console, Uart16550::IrqLine com1_irq);

  // Returns false for a port nobody emulates (the caller logs and ignores it;
  // an IN then reads all-ones). `shutdown` is set when the write asks for one.
  bool out(std::uint16_t port, unsigned size, std::uint32_t value, std::optional<ShutdownRequest>& shutdown);
  bool in(std::uint16_t port, unsigned size, std::uint32_t& value);
  // Writes of `count` bytes to a console port (string I/O), in one piece.
  bool out_bytes(std::uint16_t port, std::string_view bytes);

  CmosRtc& cmos() { return cmos_; }

 private:
  void emit(ConsoleChannel ch, std::string_view bytes);

  ConsoleSink console_;
  Uart16550 com1_;
  CmosRtc cmos_;
  std::mutex mu_;
  std::uint16_t pm1a_cnt_ = 0;
  std::uint8_t reset_control_ = 0;
};

}  // namespace hvmtool::kvm
