#include "emu_pic.hpp"

namespace hvmtool::emu {

namespace {

// ELCR bits that may be set: IRQ 0, 1, 2 (master) and 8, 13 (slave) are
// edge-triggered on every PC chipset.
constexpr std::uint8_t kElcrMask[2] = {0xF8, 0xDE};

// Priority rank of `irq` (0 = highest) when `lowest` has the lowest priority.
unsigned rank(unsigned irq, unsigned lowest) { return (irq - lowest - 1) & 7; }

// The IRQ with the highest priority among `bits`, or -1.
int highest(std::uint8_t bits, unsigned lowest) {
  for (unsigned r = 0; r < 8; ++r) {
    const unsigned irq = (lowest + 1 + r) & 7;
    if (bits & (1u << irq)) return static_cast<int>(irq);
  }
  return -1;
}

}  // namespace

bool Pic8259Pair::handles(std::uint16_t port) {
  switch (port) {
    case pic_port::kMasterCommand:
    case pic_port::kMasterData:
    case pic_port::kSlaveCommand:
    case pic_port::kSlaveData:
    case pic_port::kElcrMaster:
    case pic_port::kElcrSlave:
      return true;
    default:
      return false;
  }
}

int Pic8259Pair::pending_locked(const Chip& c, std::uint8_t irr) const {
  const int req = highest(irr & static_cast<std::uint8_t>(~c.imr), c.lowest_prio);
  if (req < 0) return -1;
  std::uint8_t in_service = c.isr;
  if (c.special_mask) in_service &= static_cast<std::uint8_t>(~c.imr);
  // Special fully nested mode: the slave may interrupt again while its
  // cascade input is in service (a higher-priority slave IRQ).
  if (&c == &chips_[0] && c.special_fully_nested) in_service &= static_cast<std::uint8_t>(~0x04);
  const int cur = highest(in_service, c.lowest_prio);
  if (cur >= 0 && rank(static_cast<unsigned>(cur), c.lowest_prio) <= rank(static_cast<unsigned>(req), c.lowest_prio))
    return -1;
  return req;
}

std::uint8_t Pic8259Pair::master_irr_locked() const {
  const bool slave_out = pending_locked(chips_[1], chips_[1].irr) >= 0;
  return static_cast<std::uint8_t>((chips_[0].irr & ~0x04) | (slave_out ? 0x04 : 0));
}

bool Pic8259Pair::output_locked() const { return pending_locked(chips_[0], master_irr_locked()) >= 0; }

bool Pic8259Pair::output() const {
  std::lock_guard lk(mu_);
  return output_locked();
}

void Pic8259Pair::notify(std::unique_lock<std::mutex>& lk) {
  const bool out = output_locked();
  if (out == reported_) return;
  reported_ = out;
  OutputChanged cb = output_changed_;
  lk.unlock();
  if (cb) cb(out);
}

void Pic8259Pair::set_line_locked(Chip& c, unsigned bit, bool level) {
  const auto mask = static_cast<std::uint8_t>(1u << bit);
  if (c.elcr & mask) {
    c.irr = level ? (c.irr | mask) : (c.irr & ~mask);
  } else if (level && !(c.line & mask)) {
    c.irr |= mask;  // rising edge
  }
  c.line = level ? (c.line | mask) : (c.line & ~mask);
}

void Pic8259Pair::set_irq(unsigned irq, bool level) {
  if (irq >= 16) return;
  std::unique_lock lk(mu_);
  set_line_locked(chips_[irq >> 3], irq & 7, level);
  notify(lk);
}

void Pic8259Pair::pulse_irq(unsigned irq) {
  if (irq >= 16) return;
  std::unique_lock lk(mu_);
  set_line_locked(chips_[irq >> 3], irq & 7, true);
  set_line_locked(chips_[irq >> 3], irq & 7, false);
  notify(lk);
}

void Pic8259Pair::ack_irq_locked(Chip& c, unsigned irq) {
  const auto mask = static_cast<std::uint8_t>(1u << irq);
  if (c.auto_eoi) {
    if (c.rotate_on_aeoi) c.lowest_prio = static_cast<std::uint8_t>(irq);
  } else {
    c.isr |= mask;
  }
  if (!(c.elcr & mask)) c.irr &= static_cast<std::uint8_t>(~mask);
}

std::uint8_t Pic8259Pair::acknowledge_locked() {
  Chip& m = chips_[0];
  Chip& s = chips_[1];
  const int irq = pending_locked(m, master_irr_locked());
  if (irq < 0) return static_cast<std::uint8_t>(m.vector_base + 7);  // spurious IRQ 7
  ack_irq_locked(m, static_cast<unsigned>(irq));
  if (irq != 2) return static_cast<std::uint8_t>(m.vector_base + irq);
  const int sirq = pending_locked(s, s.irr);
  if (sirq < 0) return static_cast<std::uint8_t>(s.vector_base + 7);  // spurious IRQ 15
  ack_irq_locked(s, static_cast<unsigned>(sirq));
  return static_cast<std::uint8_t>(s.vector_base + sirq);
}

std::uint8_t Pic8259Pair::acknowledge() {
  std::unique_lock lk(mu_);
  const std::uint8_t v = acknowledge_locked();
  notify(lk);
  return v;
}

void Pic8259Pair::eoi_locked(Chip& c, int irq, bool rotate) {
  if (irq < 0) irq = highest(c.isr, c.lowest_prio);  // non-specific: the highest in service
  if (irq < 0) return;
  c.isr &= static_cast<std::uint8_t>(~(1u << irq));
  if (rotate) c.lowest_prio = static_cast<std::uint8_t>(irq);
}

void Pic8259Pair::command_locked(Chip& c, std::uint8_t v) {
  if (v & 0x10) {     // ICW1: start initialisation
    c.irr &= c.elcr;  // pending edges are forgotten
    c.isr = 0;
    c.imr = 0;
    c.lowest_prio = 7;
    c.auto_eoi = c.rotate_on_aeoi = c.special_mask = c.special_fully_nested = c.poll = c.read_isr = false;
    c.need_icw4 = v & 0x01;
    c.single = v & 0x02;
    c.init_step = 2;
    return;
  }
  if (v & 0x08) {  // OCW3
    if (v & 0x04) c.poll = true;
    if (v & 0x02) c.read_isr = v & 0x01;
    if (v & 0x40) c.special_mask = v & 0x20;
    return;
  }
  switch (v >> 5) {  // OCW2
    case 0:
      c.rotate_on_aeoi = false;
      break;
    case 4:
      c.rotate_on_aeoi = true;
      break;
    case 1:
      eoi_locked(c, -1, false);
      break;
    case 5:
      eoi_locked(c, -1, true);
      break;
    case 3:
      eoi_locked(c, v & 7, false);
      break;
    case 7:
      eoi_locked(c, v & 7, true);
      break;
    case 6:
      c.lowest_prio = v & 7;
      break;
    default:
      break;
  }
}

void Pic8259Pair::data_locked(Chip& c, std::uint8_t v) {
  switch (c.init_step) {
    case 2:  // ICW2: vector base
      c.vector_base = v & 0xF8;
      c.init_step = !c.single ? 3 : (c.need_icw4 ? 4 : 0);
      break;
    case 3:  // ICW3: cascade wiring, fixed on a PC
      c.init_step = c.need_icw4 ? 4 : 0;
      break;
    case 4:  // ICW4
      c.auto_eoi = v & 0x02;
      c.special_fully_nested = v & 0x10;
      c.init_step = 0;
      break;
    default:  // OCW1
      c.imr = v;
      break;
  }
}

void Pic8259Pair::write(std::uint16_t port, std::uint8_t value) {
  std::unique_lock lk(mu_);
  switch (port) {
    case pic_port::kMasterCommand:
      command_locked(chips_[0], value);
      break;
    case pic_port::kSlaveCommand:
      command_locked(chips_[1], value);
      break;
    case pic_port::kMasterData:
      data_locked(chips_[0], value);
      break;
    case pic_port::kSlaveData:
      data_locked(chips_[1], value);
      break;
    case pic_port::kElcrMaster:
    case pic_port::kElcrSlave: {
      const unsigned i = port == pic_port::kElcrSlave ? 1 : 0;
      chips_[i].elcr = value & kElcrMask[i];
      chips_[i].irr = static_cast<std::uint8_t>((chips_[i].irr & ~chips_[i].elcr) | (chips_[i].line & chips_[i].elcr));
      break;
    }
    default:
      return;
  }
  notify(lk);
}

std::uint8_t Pic8259Pair::read(std::uint16_t port) {
  std::unique_lock lk(mu_);
  std::uint8_t v = 0xFF;
  const bool slave = port == pic_port::kSlaveCommand || port == pic_port::kSlaveData;
  Chip& c = chips_[slave ? 1 : 0];
  switch (port) {
    case pic_port::kMasterCommand:
    case pic_port::kSlaveCommand: {
      const std::uint8_t irr = slave ? c.irr : master_irr_locked();
      if (c.poll) {  // poll mode: this read is the acknowledge
        c.poll = false;
        const int irq = pending_locked(c, irr);
        v = 0;
        if (irq >= 0) {
          ack_irq_locked(c, static_cast<unsigned>(irq));
          v = static_cast<std::uint8_t>(0x80 | irq);
        }
      } else {
        v = c.read_isr ? c.isr : irr;
      }
      break;
    }
    case pic_port::kMasterData:
    case pic_port::kSlaveData:
      v = c.imr;
      break;
    case pic_port::kElcrMaster:
      v = chips_[0].elcr;
      break;
    case pic_port::kElcrSlave:
      v = chips_[1].elcr;
      break;
    default:
      return v;
  }
  notify(lk);
  return v;
}

}  // namespace hvmtool::emu
