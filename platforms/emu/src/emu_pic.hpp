#pragma once

// The PC's two cascaded 8259A programmable interrupt controllers: the master
// at ports 0x20/0x21 (IRQ 0-7), the slave at 0xA0/0xA1 (IRQ 8-15) on the
// master's IRQ 2, and the edge/level control registers (ELCR) at 0x4D0/0x4D1.
//
// What firmware and the test guests use: the ICW1-ICW4 initialisation
// (vector base, auto-EOI, special fully nested mode), the mask register,
// specific and non-specific EOI with and without rotation, set priority,
// IRR/ISR reads, poll mode and special mask mode. An IRQ line is
// edge-triggered unless its ELCR bit is set (IRQ 0, 1, 2, 8 and 13 are always
// edge-triggered, as on a PIIX). The cascade input IRQ 2 of the master
// follows the slave's output level, so a slave request is never lost to a
// missed edge.
//
// Thread-safe: IRQ lines are raised from device timers and vCPU threads.
// `output_changed` is called without the lock held, from whichever thread
// changed the output; reports from different threads can arrive out of
// order, so a listener that must track the level re-reads output().

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>

namespace hvmtool::emu {

namespace pic_port {
inline constexpr std::uint16_t kMasterCommand = 0x20, kMasterData = 0x21;
inline constexpr std::uint16_t kSlaveCommand = 0xA0, kSlaveData = 0xA1;
inline constexpr std::uint16_t kElcrMaster = 0x4D0, kElcrSlave = 0x4D1;
}  // namespace pic_port

class Pic8259Pair {
 public:
  using OutputChanged = std::function<void(bool asserted)>;
  explicit Pic8259Pair(OutputChanged output_changed = {}) : output_changed_(std::move(output_changed)) {}

  // Drives IRQ line `irq` (0-15) to `level`.
  void set_irq(unsigned irq, bool level);
  // A rising then a falling edge (the PIT's channel 0 output).
  void pulse_irq(unsigned irq);

  // The INTR line to the CPU: a request the CPU would be interrupted by.
  bool output() const;
  // The CPU's interrupt acknowledge cycle: the vector of the highest-priority
  // request, now in service; the spurious vector (IRQ 7 or 15) when the
  // request went away in between.
  std::uint8_t acknowledge();

  static bool handles(std::uint16_t port);
  void write(std::uint16_t port, std::uint8_t value);
  std::uint8_t read(std::uint16_t port);

 private:
  struct Chip {
    std::uint8_t irr = 0, isr = 0, imr = 0, elcr = 0;
    std::uint8_t line = 0;         // current input levels (edge detection)
    std::uint8_t vector_base = 0;  // ICW2
    std::uint8_t lowest_prio = 7;  // IRQ with the lowest priority (rotation)
    unsigned init_step = 0;        // 0: operational; 2, 3, 4: expecting ICWn
    bool need_icw4 = false, single = false, auto_eoi = false, rotate_on_aeoi = false;
    bool special_mask = false, special_fully_nested = false, poll = false, read_isr = false;
  };

  // Highest-priority unmasked request not blocked by one in service, or -1.
  int pending_locked(const Chip& c, std::uint8_t irr) const;
  std::uint8_t master_irr_locked() const;
  bool output_locked() const;
  // Marks `irq` in service on `c` (ISR unless auto-EOI; IRR cleared if edge).
  void ack_irq_locked(Chip& c, unsigned irq);
  std::uint8_t acknowledge_locked();
  void command_locked(Chip& c, std::uint8_t value);
  void data_locked(Chip& c, std::uint8_t value);
  void eoi_locked(Chip& c, int irq, bool rotate);
  void set_line_locked(Chip& c, unsigned bit, bool level);
  // Calls output_changed_ if the output differs from the last report.
  void notify(std::unique_lock<std::mutex>& lk);

  mutable std::mutex mu_;
  std::array<Chip, 2> chips_{};  // [0] master, [1] slave
  bool reported_ = false;
  OutputChanged output_changed_;
};

}  // namespace hvmtool::emu
