#include "hvmtool_platforms/port_bus.hpp"

#include <cstdio>

namespace hvmtool::platforms {

PortBus::PortBus(ConsoleSink console, Uart16550::IrqLine com1_irq)
    : console_(std::move(console)),
      com1_([this](std::string_view b) { emit(ConsoleChannel::serial, b); }, std::move(com1_irq)) {}

void PortBus::emit(ConsoleChannel ch, std::string_view bytes) {
  if (console_ && !bytes.empty()) console_(ch, bytes);
}

bool PortBus::out_bytes(std::uint16_t p, std::string_view bytes) {
  switch (p) {
    case port::kDebugCon:
      emit(ConsoleChannel::debug, bytes);
      return true;
    case port::kSeabiosDebug:
      emit(ConsoleChannel::firmware_debug, bytes);
      return true;
    default:
      return false;
  }
}

bool PortBus::out(std::uint16_t p, unsigned size, std::uint32_t value, std::optional<ShutdownRequest>& shutdown) {
  char byte = static_cast<char>(value & 0xFF);
  if (p >= port::kCom1 && p < port::kCom1 + 8) {
    // A wider access covers the following registers, byte by byte.
    for (unsigned i = 0; i < size && p + i < port::kCom1 + 8u; ++i)
      com1_.write(p + i - port::kCom1, static_cast<std::uint8_t>(value >> (8 * i)));
    return true;
  }
  switch (p) {
    case port::kDebugCon:
    case port::kSeabiosDebug:
      return out_bytes(p, std::string_view(&byte, 1));
    case port::kCmosIndex:
      cmos_.write_index(static_cast<std::uint8_t>(value));
      return true;
    case port::kCmosData:
      cmos_.write_data(static_cast<std::uint8_t>(value));
      return true;
    case port::kPost:
      return true;
    case port::kPvpanic:
      if (value != 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "pvpanic (port 0x505 value 0x%x)", value);
        shutdown = ShutdownRequest{ShutdownReason::crash, buf};
      }
      return true;
    case port::kPm1aCnt:
    case port::kPm1aCnt + 1: {
      std::lock_guard lk(mu_);
      std::uint32_t v16 = p == port::kPm1aCnt ? value : (value << 8);
      if (p == port::kPm1aCnt && size == 1)
        pm1a_cnt_ = static_cast<std::uint16_t>((pm1a_cnt_ & 0xFF00) | (v16 & 0xFF));
      else if (p == port::kPm1aCnt + 1)
        pm1a_cnt_ = static_cast<std::uint16_t>((pm1a_cnt_ & 0x00FF) | (v16 & 0xFF00));
      else
        pm1a_cnt_ = static_cast<std::uint16_t>(v16);
      if (pm1a_cnt_ & 0x2000) {
        pm1a_cnt_ &= static_cast<std::uint16_t>(~0x2000);
        shutdown = ShutdownRequest{ShutdownReason::poweroff, "port 0x604 SLP_EN"};
      }
      return true;
    }
    case port::kResetControl:
      if (size != 1) return false;  // a wider access at 0xCF9 is not the reset register
      {
        std::lock_guard lk(mu_);
        reset_control_ = static_cast<std::uint8_t>(value & ~0x04u);
      }
      if (value & 0x04) shutdown = ShutdownRequest{ShutdownReason::reboot, "port 0xcf9 reset"};
      return true;
    default:
      return false;
  }
}

bool PortBus::in(std::uint16_t p, unsigned size, std::uint32_t& value) {
  if (p >= port::kCom1 && p < port::kCom1 + 8) {
    value = 0;
    for (unsigned i = 0; i < size; ++i) {
      std::uint8_t b = p + i < port::kCom1 + 8u ? com1_.read(p + i - port::kCom1) : 0xFF;
      value |= static_cast<std::uint32_t>(b) << (8 * i);
    }
    return true;
  }
  const std::uint32_t ones = size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1);
  switch (p) {
    case port::kDebugCon:
    case port::kSeabiosDebug:
      // The Bochs/QEMU debug console's presence check: SeaBIOS stops
      // writing to 0x402 once this does not read back 0xE9.
      value = 0xE9 & ones;
      return true;
    case port::kPvpanic:
      value = 0x01;  // capabilities: PVPANIC_PANICKED
      return true;
    case port::kCmosData:
      value = cmos_.read_data();
      return true;
    case port::kPm1aCnt: {
      std::lock_guard lk(mu_);
      value = (pm1a_cnt_ | 0x0001u) & ones;  // SCI_EN: already in ACPI mode
      return true;
    }
    case port::kResetControl:
      if (size != 1) return false;
      {
        std::lock_guard lk(mu_);
        value = reset_control_;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace hvmtool::platforms
