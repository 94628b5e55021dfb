// The 8259A pair: initialisation, priorities, EOI, masking, the cascade,
// level-triggered lines, spurious vectors, poll and auto-EOI modes.

#define BOOST_TEST_MODULE emu_pic
#include <boost/test/unit_test.hpp>

#include <vector>

#include "emu_pic.hpp"

using hvmtool::emu::Pic8259Pair;

namespace {

// What a PC BIOS programs: master at 0x08, slave at 0x70, 8086 mode.
void init_like_bios(Pic8259Pair& p, std::uint8_t master_base = 0x08, std::uint8_t slave_base = 0x70,
                    std::uint8_t icw4 = 0x01) {
  p.write(0x20, 0x11);
  p.write(0x21, master_base);
  p.write(0x21, 0x04);
  p.write(0x21, icw4);
  p.write(0xA0, 0x11);
  p.write(0xA1, slave_base);
  p.write(0xA1, 0x02);
  p.write(0xA1, icw4);
  p.write(0x21, 0x00);
  p.write(0xA1, 0x00);
}

std::uint8_t isr(Pic8259Pair& p, std::uint16_t command_port) {
  p.write(command_port, 0x0B);  // OCW3: read ISR
  return p.read(command_port);
}

std::uint8_t irr(Pic8259Pair& p, std::uint16_t command_port) {
  p.write(command_port, 0x0A);  // OCW3: read IRR
  return p.read(command_port);
}

}  // namespace

BOOST_AUTO_TEST_CASE(edge_irq_is_delivered_once_until_eoi) {
  Pic8259Pair p;
  init_like_bios(p);
  BOOST_TEST(!p.output());
  p.pulse_irq(0);
  BOOST_TEST(p.output());
  BOOST_TEST(p.acknowledge() == 0x08);
  BOOST_TEST(!p.output());
  BOOST_TEST(isr(p, 0x20) == 0x01);
  p.pulse_irq(0);  // latched in IRR, blocked by the one in service
  BOOST_TEST(!p.output());
  BOOST_TEST(irr(p, 0x20) == 0x01);
  p.write(0x20, 0x20);  // non-specific EOI
  BOOST_TEST(isr(p, 0x20) == 0x00);
  BOOST_TEST(p.output());
  BOOST_TEST(p.acknowledge() == 0x08);
  p.write(0x20, 0x20);
  BOOST_TEST(!p.output());
}

BOOST_AUTO_TEST_CASE(lower_irq_numbers_win_and_nest) {
  Pic8259Pair p;
  init_like_bios(p, 0x20, 0x28);
  p.pulse_irq(3);
  p.pulse_irq(1);
  BOOST_TEST(p.acknowledge() == 0x21);  // IRQ 1 first
  BOOST_TEST(!p.output());              // IRQ 3 waits behind it
  p.pulse_irq(0);
  BOOST_TEST(p.output());  // IRQ 0 has higher priority: it nests
  BOOST_TEST(p.acknowledge() == 0x20);
  BOOST_TEST(isr(p, 0x20) == 0x03);
  p.write(0x20, 0x20);  // ends IRQ 0, the highest in service
  BOOST_TEST(isr(p, 0x20) == 0x02);
  BOOST_TEST(!p.output());
  p.write(0x20, 0x61);  // specific EOI for IRQ 1
  BOOST_TEST(p.acknowledge() == 0x23);
}

BOOST_AUTO_TEST_CASE(mask_register_blocks_and_reads_back) {
  Pic8259Pair p;
  init_like_bios(p);
  p.write(0x21, 0xFE);
  BOOST_TEST(p.read(0x21) == 0xFE);
  p.pulse_irq(1);
  BOOST_TEST(!p.output());
  p.write(0x21, 0xFC);
  BOOST_TEST(p.output());
  BOOST_TEST(p.acknowledge() == 0x09);
}

BOOST_AUTO_TEST_CASE(slave_irq_goes_through_the_cascade) {
  Pic8259Pair p;
  init_like_bios(p);
  p.pulse_irq(8);
  BOOST_TEST(p.output());
  BOOST_TEST(p.acknowledge() == 0x70);
  BOOST_TEST(isr(p, 0x20) == 0x04);  // cascade input in service on the master
  BOOST_TEST(isr(p, 0xA0) == 0x01);
  p.pulse_irq(12);  // lower priority on the slave: waits
  BOOST_TEST(!p.output());
  p.write(0xA0, 0x20);
  p.write(0x20, 0x20);
  BOOST_TEST(p.output());
  BOOST_TEST(p.acknowledge() == 0x74);
  // Masking the cascade input on the master hides the slave.
  p.write(0xA0, 0x20);
  p.write(0x20, 0x20);
  p.write(0x21, 0x04);
  p.pulse_irq(9);
  BOOST_TEST(!p.output());
  p.write(0x21, 0x00);
  BOOST_TEST(p.acknowledge() == 0x71);
}

BOOST_AUTO_TEST_CASE(level_triggered_lines_follow_the_elcr) {
  Pic8259Pair p;
  init_like_bios(p);
  p.write(0x4D0, 0xFF);
  p.write(0x4D1, 0xFF);
  BOOST_TEST(p.read(0x4D0) == 0xF8);  // IRQ 0-2 are always edge-triggered
  BOOST_TEST(p.read(0x4D1) == 0xDE);  // and so are 8 and 13
  p.set_irq(10, true);
  BOOST_TEST(p.acknowledge() == 0x72);
  p.write(0xA0, 0x20);
  p.write(0x20, 0x20);
  BOOST_TEST(p.output());  // still asserted: delivered again
  BOOST_TEST(p.acknowledge() == 0x72);
  p.write(0xA0, 0x20);
  p.write(0x20, 0x20);
  p.set_irq(10, false);
  BOOST_TEST(!p.output());
  // The same line edge-triggered: one delivery per rising edge.
  p.write(0x4D1, 0x00);
  p.set_irq(10, true);
  BOOST_TEST(p.acknowledge() == 0x72);
  p.write(0xA0, 0x20);
  p.write(0x20, 0x20);
  BOOST_TEST(!p.output());
}

BOOST_AUTO_TEST_CASE(spurious_acknowledge_gives_irq7) {
  Pic8259Pair p;
  init_like_bios(p);
  BOOST_TEST(p.acknowledge() == 0x0F);
  BOOST_TEST(isr(p, 0x20) == 0x00);  // a spurious IRQ 7 is not in service
}

BOOST_AUTO_TEST_CASE(auto_eoi_and_poll_mode) {
  Pic8259Pair p;
  init_like_bios(p, 0x08, 0x70, 0x03);  // ICW4: 8086 mode, auto-EOI
  p.pulse_irq(0);
  BOOST_TEST(p.acknowledge() == 0x08);
  BOOST_TEST(isr(p, 0x20) == 0x00);
  p.pulse_irq(0);
  BOOST_TEST(p.output());  // no EOI needed

  Pic8259Pair q;
  init_like_bios(q);
  q.pulse_irq(5);
  q.write(0x20, 0x0C);  // OCW3: poll
  BOOST_TEST(q.read(0x20) == 0x85);
  BOOST_TEST(isr(q, 0x20) == 0x20);  // the poll read acknowledged it
  q.write(0x20, 0x0C);
  BOOST_TEST(q.read(0x20) == 0x00);  // nothing more
}

BOOST_AUTO_TEST_CASE(rotation_changes_priorities) {
  Pic8259Pair p;
  init_like_bios(p);
  p.write(0x20, 0xC3);  // set priority: IRQ 3 lowest, so IRQ 4 highest
  p.pulse_irq(1);
  p.pulse_irq(5);
  BOOST_TEST(p.acknowledge() == 0x0D);  // IRQ 5 before IRQ 1
  p.write(0x20, 0xA0);                  // rotate on non-specific EOI: IRQ 5 becomes lowest
  BOOST_TEST(p.acknowledge() == 0x09);
}

BOOST_AUTO_TEST_CASE(output_changes_are_reported) {
  std::vector<bool> seen;
  Pic8259Pair p([&](bool asserted) { seen.push_back(asserted); });
  init_like_bios(p);
  p.pulse_irq(0);
  p.pulse_irq(0);  // no change: already asserted
  (void)p.acknowledge();
  p.pulse_irq(0);  // blocked by the one in service: no change
  p.write(0x20, 0x20);
  BOOST_TEST(seen == (std::vector<bool>{true, false, true}));
}

BOOST_AUTO_TEST_CASE(reinitialisation_forgets_pending_edges_and_masks) {
  Pic8259Pair p;
  init_like_bios(p);
  p.write(0x21, 0xFF);
  p.pulse_irq(4);
  init_like_bios(p, 0x20, 0x28);
  BOOST_TEST(p.read(0x21) == 0x00);
  BOOST_TEST(!p.output());
  BOOST_TEST(p.acknowledge() == 0x27);
}
