#pragma once

// The PC's 8254 programmable interval timer (ports 0x40-0x43, 1.193182 MHz)
// and the system control port B (0x61): channel 2's gate (bit 0), the
// speaker enable (bit 1), the refresh toggle (bit 4, every 15 us) and
// channel 2's output (bit 5). Channel 0's output drives IRQ 0.
//
// Counting follows the host's monotonic clock: a channel's count is computed
// from the time it was loaded, so reads are exact and nothing ticks while
// nobody looks. Modes 0-5 with LSB, MSB and LSB/MSB access, counter latch and
// read-back (count and status) commands. BCD counting is accepted but counts
// in binary (no firmware of ours uses it). Gate 2 pauses modes 0 and 4 and
// restarts modes 1, 2, 3 and 5 on its rising edge, as on the chip; modes 1
// and 5 otherwise count like 0 and 4 from the moment they are loaded.
//
// Thread-safe.

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace hvmtool::emu {

namespace pit_port {
inline constexpr std::uint16_t kChannel0 = 0x40, kMode = 0x43;
inline constexpr std::uint16_t kControlB = 0x61;  // speaker / gate 2 / OUT2
}  // namespace pit_port

class Pit8254 {
 public:
  static constexpr std::uint64_t kHz = 1193182;
  using Clock = std::function<std::uint64_t()>;  // monotonic nanoseconds
  using Changed = std::function<void()>;

  // `clock` defaults to CLOCK_MONOTONIC; `channel0_changed` is called
  // (without the lock) when channel 0 is reprogrammed, so whoever waits for
  // its next edge can recompute the deadline.
  explicit Pit8254(Clock clock = {}, Changed channel0_changed = {});

  static bool handles(std::uint16_t port);
  void write(std::uint16_t port, std::uint8_t value);
  std::uint8_t read(std::uint16_t port);

  // Rising edges of channel 0's output since the last call (IRQ 0 edges;
  // several that were missed count as their number, the PIC sees one).
  std::uint64_t take_irq0_edges();
  // Clock time of channel 0's next rising edge, if it will have one.
  std::optional<std::uint64_t> next_irq0_edge() const;

  static std::uint64_t ticks(std::uint64_t ns);
  static std::uint64_t ns_for_ticks(std::uint64_t ticks);  // rounded up

 private:
  struct Channel {
    std::uint8_t mode = 0, access = 3;
    bool bcd = false;
    bool loaded = false;  // a count was written after the control word
    std::uint32_t reload = 0x10000;
    std::uint64_t t0 = 0;  // clock time counting (re)started
    bool gate = true;
    std::uint64_t frozen = 0;  // elapsed ticks while the gate is low
    bool write_msb = false, read_msb = false;
    std::uint8_t write_lsb = 0;
    std::optional<std::uint16_t> latched;
    bool latched_msb = false;
    std::optional<std::uint8_t> status;
    std::uint64_t edges_reported = 0;
  };

  std::uint64_t elapsed_locked(const Channel& c, std::uint64_t now) const;
  std::uint16_t count_locked(const Channel& c, std::uint64_t now) const;
  bool out_locked(const Channel& c, std::uint64_t now) const;
  std::uint64_t edges_locked(const Channel& c, std::uint64_t elapsed) const;
  void load_locked(Channel& c, std::uint32_t value, std::uint64_t now);
  void control_locked(std::uint8_t value, std::uint64_t now);
  void latch_locked(Channel& c, std::uint64_t now);
  void set_gate2_locked(bool gate, std::uint64_t now);
  std::uint8_t read_channel_locked(Channel& c, std::uint64_t now);
  void write_channel_locked(Channel& c, std::uint8_t value, std::uint64_t now);

  mutable std::mutex mu_;
  Clock clock_;
  Changed channel0_changed_;
  std::array<Channel, 3> ch_{};
  std::uint8_t control_b_ = 0;  // bits 0-3 of port 0x61
};

}  // namespace hvmtool::emu
