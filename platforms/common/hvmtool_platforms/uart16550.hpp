#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

namespace hvmtool::platforms {

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

}  // namespace hvmtool::platforms
