#pragma once

// The guest I/O ports every hvmtool platform that runs its own device model
// emulates the same way (the project's guest I/O ABI, documented in
// platforms/kvm/README.md): the debug consoles, the 16550 UART, CMOS/RTC and
// the poweroff, reset and pvpanic ports. Interrupt controllers and timers are
// each platform's own (KVM's in-kernel ones, emu's software PIC and PIT).

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hvmtool/domain.hpp"
#include "hvmtool_platforms/cmos_rtc.hpp"
#include "hvmtool_platforms/uart16550.hpp"

namespace hvmtool::platforms {

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

}  // namespace hvmtool::platforms
