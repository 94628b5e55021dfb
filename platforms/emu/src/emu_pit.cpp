#include "emu_pit.hpp"

#include <time.h>

namespace hvmtool::emu {

namespace {

constexpr std::uint64_t kNsPerSec = 1000000000ull;
constexpr std::uint64_t kRefreshNs = 15085;  // port 0x61 bit 4 toggles at ~66 kHz

std::uint64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

std::uint64_t Pit8254::ticks(std::uint64_t ns) { return ns / kNsPerSec * kHz + (ns % kNsPerSec) * kHz / kNsPerSec; }

std::uint64_t Pit8254::ns_for_ticks(std::uint64_t t) {
  return t / kHz * kNsPerSec + ((t % kHz) * kNsPerSec + kHz - 1) / kHz;
}

Pit8254::Pit8254(Clock clock, Changed channel0_changed)
    : clock_(clock ? std::move(clock) : Clock(monotonic_ns)), channel0_changed_(std::move(channel0_changed)) {
  ch_[2].gate = false;  // port 0x61 bit 0 is clear at reset
}

bool Pit8254::handles(std::uint16_t port) {
  return (port >= pit_port::kChannel0 && port <= pit_port::kMode) || port == pit_port::kControlB;
}

std::uint64_t Pit8254::elapsed_locked(const Channel& c, std::uint64_t now) const {
  if (!c.gate) return c.frozen;
  return now >= c.t0 ? ticks(now - c.t0) : 0;
}

std::uint16_t Pit8254::count_locked(const Channel& c, std::uint64_t now) const {
  if (!c.loaded) return static_cast<std::uint16_t>(c.reload);
  const std::uint64_t d = elapsed_locked(c, now), n = c.reload;
  switch (c.mode) {
    case 2:
      return static_cast<std::uint16_t>(n - d % n);
    case 3:
      return static_cast<std::uint16_t>((n - (2 * d) % n) & 0xFFFE);
    default:  // 0, 1, 4, 5: down from N, wrapping past zero
      return static_cast<std::uint16_t>((n - d) & 0xFFFF);
  }
}

bool Pit8254::out_locked(const Channel& c, std::uint64_t now) const {
  if (!c.loaded) return c.mode != 0;  // mode 0 starts low, the others high
  const std::uint64_t d = elapsed_locked(c, now), n = c.reload;
  switch (c.mode) {
    case 0:
    case 1:
      return d >= n;
    case 2:
      return !c.gate || d % n != n - 1;  // low for the last tick of each period
    case 3:
      return !c.gate || d % n < (n + 1) / 2;
    default:  // 4, 5: low for one tick at terminal count
      return d != n;
  }
}

std::uint64_t Pit8254::edges_locked(const Channel& c, std::uint64_t d) const {
  if (!c.loaded) return 0;
  const std::uint64_t n = c.reload;
  switch (c.mode) {
    case 2:
    case 3:
      return d / n;
    case 4:
    case 5:
      return d >= n + 1 ? 1 : 0;
    default:
      return d >= n ? 1 : 0;
  }
}

std::uint64_t Pit8254::take_irq0_edges() {
  std::lock_guard lk(mu_);
  Channel& c = ch_[0];
  const std::uint64_t total = edges_locked(c, elapsed_locked(c, clock_()));
  const std::uint64_t fresh = total > c.edges_reported ? total - c.edges_reported : 0;
  c.edges_reported = total;
  return fresh;
}

std::optional<std::uint64_t> Pit8254::next_irq0_edge() const {
  std::lock_guard lk(mu_);
  const Channel& c = ch_[0];
  if (!c.loaded) return std::nullopt;
  const std::uint64_t n = c.reload;
  std::uint64_t at_tick = 0;
  switch (c.mode) {
    case 2:
    case 3:
      at_tick = (c.edges_reported + 1) * n;
      break;
    case 4:
    case 5:
      if (c.edges_reported) return std::nullopt;
      at_tick = n + 1;
      break;
    default:
      if (c.edges_reported) return std::nullopt;
      at_tick = n;
      break;
  }
  return c.t0 + ns_for_ticks(at_tick);
}

void Pit8254::load_locked(Channel& c, std::uint32_t value, std::uint64_t now) {
  c.reload = value ? value : 0x10000;
  c.loaded = true;
  c.t0 = now;
  c.frozen = 0;
  c.edges_reported = 0;
}

void Pit8254::latch_locked(Channel& c, std::uint64_t now) {
  if (c.latched) return;  // a latched count is held until read
  c.latched = count_locked(c, now);
  c.latched_msb = false;
}

void Pit8254::control_locked(std::uint8_t v, std::uint64_t now) {
  const unsigned sel = v >> 6;
  if (sel == 3) {  // read-back: bits 1-3 select channels 0-2; 0x20 = don't latch count, 0x10 = don't latch status
    for (unsigned i = 0; i < 3; ++i) {
      if (!(v & (2u << i))) continue;
      Channel& c = ch_[i];
      if (!(v & 0x20)) latch_locked(c, now);
      if (!(v & 0x10) && !c.status)
        c.status = static_cast<std::uint8_t>((out_locked(c, now) ? 0x80 : 0) | (c.loaded ? 0 : 0x40) | (c.access << 4) |
                                             (c.mode << 1) | (c.bcd ? 1 : 0));
    }
    return;
  }
  Channel& c = ch_[sel];
  const unsigned access = (v >> 4) & 3;
  if (access == 0) {  // counter latch command
    latch_locked(c, now);
    return;
  }
  c.access = static_cast<std::uint8_t>(access);
  c.mode = (v >> 1) & 7;
  if (c.mode > 5) c.mode -= 4;  // 6 and 7 are aliases of 2 and 3
  c.bcd = v & 1;
  c.loaded = false;
  c.write_msb = c.read_msb = false;
  c.latched.reset();
  c.status.reset();
  c.edges_reported = 0;
}

void Pit8254::write_channel_locked(Channel& c, std::uint8_t v, std::uint64_t now) {
  switch (c.access) {
    case 1:
      load_locked(c, v, now);
      break;
    case 2:
      load_locked(c, static_cast<std::uint32_t>(v) << 8, now);
      break;
    default:
      if (!c.write_msb) {
        c.write_lsb = v;
        c.write_msb = true;
      } else {
        c.write_msb = false;
        load_locked(c, c.write_lsb | (static_cast<std::uint32_t>(v) << 8), now);
      }
      break;
  }
  if (&c == &ch_[2] && !c.gate && c.loaded) c.frozen = 0;  // counts once the gate opens
}

std::uint8_t Pit8254::read_channel_locked(Channel& c, std::uint64_t now) {
  if (c.status) {
    const std::uint8_t s = *c.status;
    c.status.reset();
    return s;
  }
  auto byte_of = [](std::uint16_t value, bool msb) { return static_cast<std::uint8_t>(msb ? value >> 8 : value); };
  if (c.latched) {
    const std::uint16_t value = *c.latched;
    if (c.access == 3 && !c.latched_msb) {
      c.latched_msb = true;
      return byte_of(value, false);
    }
    c.latched.reset();
    return byte_of(value, c.access == 2 || c.access == 3);
  }
  const std::uint16_t value = count_locked(c, now);
  if (c.access != 3) return byte_of(value, c.access == 2);
  const bool msb = c.read_msb;
  c.read_msb = !c.read_msb;
  return byte_of(value, msb);
}

void Pit8254::set_gate2_locked(bool gate, std::uint64_t now) {
  Channel& c = ch_[2];
  if (gate == c.gate) return;
  if (!gate) {
    c.frozen = elapsed_locked(c, now);
    c.gate = false;
    return;
  }
  c.gate = true;
  if (c.mode == 0 || c.mode == 4) {
    c.t0 = now - std::min(now, ns_for_ticks(c.frozen));  // resumes where it stopped
  } else {
    c.t0 = now;  // rising gate (re)triggers modes 1, 2, 3, 5
    c.edges_reported = 0;
  }
  c.frozen = 0;
}

void Pit8254::write(std::uint16_t port, std::uint8_t value) {
  bool ch0 = false;
  {
    std::lock_guard lk(mu_);
    const std::uint64_t now = clock_();
    if (port == pit_port::kControlB) {
      control_b_ = value & 0x0F;
      set_gate2_locked(value & 0x01, now);
      return;
    }
    if (port == pit_port::kMode) {
      control_locked(value, now);
      ch0 = (value >> 6) == 0;
    } else if (port >= pit_port::kChannel0 && port < pit_port::kChannel0 + 3) {
      write_channel_locked(ch_[port - pit_port::kChannel0], value, now);
      ch0 = port == pit_port::kChannel0;
    }
  }
  if (ch0 && channel0_changed_) channel0_changed_();
}

std::uint8_t Pit8254::read(std::uint16_t port) {
  std::lock_guard lk(mu_);
  const std::uint64_t now = clock_();
  if (port == pit_port::kControlB)
    return static_cast<std::uint8_t>(control_b_ | ((now / kRefreshNs) & 1 ? 0x10 : 0) |
                                     (out_locked(ch_[2], now) ? 0x20 : 0));
  if (port >= pit_port::kChannel0 && port < pit_port::kChannel0 + 3)
    return read_channel_locked(ch_[port - pit_port::kChannel0], now);
  return 0xFF;  // the mode register is write-only
}

}  // namespace hvmtool::emu
