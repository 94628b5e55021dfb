// The 8254 on a clock the test moves: counts, latches, read-back, channel 0
// edges (IRQ 0) and channel 2 behind port 0x61, as SeaBIOS and Linux use them.

#define BOOST_TEST_MODULE emu_pit
#include <boost/test/unit_test.hpp>

#include <cstdint>

#include "emu_pit.hpp"

using hvmtool::emu::Pit8254;

namespace {

struct FakeClock {
  std::uint64_t now = 1'000'000'000;  // ns
  void advance_ticks(std::uint64_t t) { now += Pit8254::ns_for_ticks(t); }
};

struct Fixture {
  FakeClock clock;
  int changed = 0;
  Pit8254 pit{[this] { return clock.now; }, [this] { ++changed; }};

  std::uint16_t read16(std::uint16_t port) {
    const std::uint8_t lo = pit.read(port);
    return static_cast<std::uint16_t>(lo | (pit.read(port) << 8));
  }
  void load(unsigned channel, unsigned mode, std::uint16_t count) {
    pit.write(0x43, static_cast<std::uint8_t>((channel << 6) | 0x30 | (mode << 1)));
    pit.write(static_cast<std::uint16_t>(0x40 + channel), static_cast<std::uint8_t>(count));
    pit.write(static_cast<std::uint16_t>(0x40 + channel), static_cast<std::uint8_t>(count >> 8));
  }
  std::uint16_t latch(unsigned channel) {
    pit.write(0x43, static_cast<std::uint8_t>(channel << 6));  // counter latch command
    return read16(static_cast<std::uint16_t>(0x40 + channel));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tick_conversion) {
  BOOST_TEST(Pit8254::ticks(1'000'000'000) == Pit8254::kHz);
  BOOST_TEST(Pit8254::ticks(Pit8254::ns_for_ticks(1193)) == 1193u);
  BOOST_TEST(Pit8254::ticks(Pit8254::ns_for_ticks(1193) - 1) == 1192u);
  const std::uint64_t day = 86400ull * 1'000'000'000;  // no overflow over long uptimes
  BOOST_TEST(Pit8254::ticks(day) == 86400ull * Pit8254::kHz);
}

BOOST_FIXTURE_TEST_CASE(rate_generator_drives_irq0, Fixture) {
  load(0, 2, 1193);  // 1 kHz
  BOOST_TEST(changed >= 1);
  BOOST_TEST(pit.take_irq0_edges() == 0u);
  const auto first = pit.next_irq0_edge();
  BOOST_REQUIRE(first);
  BOOST_TEST(*first == clock.now + Pit8254::ns_for_ticks(1193));
  clock.advance_ticks(1193);
  BOOST_TEST(pit.take_irq0_edges() == 1u);
  BOOST_TEST(*pit.next_irq0_edge() == *first + Pit8254::ns_for_ticks(2 * 1193) - Pit8254::ns_for_ticks(1193));
  clock.advance_ticks(10 * 1193 + 5);
  BOOST_TEST(pit.take_irq0_edges() == 10u);  // late: counted, the PIC will see one edge
  BOOST_TEST(pit.take_irq0_edges() == 0u);
  BOOST_TEST(latch(0) == 1193 - 5);
}

BOOST_FIXTURE_TEST_CASE(latched_count_holds_until_read, Fixture) {
  load(0, 2, 0);  // 0 = 65536: the BIOS's 18.2 Hz
  clock.advance_ticks(100);
  pit.write(0x43, 0x00);
  clock.advance_ticks(1000);
  BOOST_TEST(read16(0x40) == 65536 - 100);
  BOOST_TEST(read16(0x40) == 65536 - 1100);  // live again after the latch was read
  // A second latch command before the first is read does not overwrite it.
  pit.write(0x43, 0x00);
  clock.advance_ticks(7);
  pit.write(0x43, 0x00);
  BOOST_TEST(read16(0x40) == 65536 - 1100);
}

BOOST_FIXTURE_TEST_CASE(read_back_status_and_count, Fixture) {
  pit.write(0x61, 0x01);               // gate 2 open
  pit.write(0x43, 0xB0);               // channel 2, LSB/MSB, mode 0
  pit.write(0x43, 0xE8);               // read-back status of channel 2 (count not latched)
  BOOST_TEST(pit.read(0x42) == 0x70);  // OUT low, null count, access 3, mode 0
  pit.write(0x42, 0x00);
  pit.write(0x42, 0x10);  // 4096
  clock.advance_ticks(96);
  pit.write(0x43, 0xC8);               // read-back count and status of channel 2
  BOOST_TEST(pit.read(0x42) == 0x30);  // status first: counting, OUT still low
  BOOST_TEST(read16(0x42) == 4000);
}

BOOST_FIXTURE_TEST_CASE(channel2_behind_port_61_like_seabios_calibration, Fixture) {
  // SeaBIOS: gate on, speaker off; mode 0; count 2048; poll bit 5 of 0x61.
  pit.write(0x61, static_cast<std::uint8_t>((pit.read(0x61) & ~0x02) | 0x01));
  pit.write(0x43, 0xB0);
  pit.write(0x42, 0x00);
  pit.write(0x42, 0x08);
  BOOST_TEST((pit.read(0x61) & 0x20) == 0);
  clock.advance_ticks(2047);
  BOOST_TEST((pit.read(0x61) & 0x20) == 0);
  clock.advance_ticks(1);
  BOOST_TEST((pit.read(0x61) & 0x20) == 0x20);
  BOOST_TEST((pit.read(0x61) & 0x0F) == 0x01);
}

BOOST_FIXTURE_TEST_CASE(gate_low_pauses_mode0, Fixture) {
  load(2, 0, 1000);  // gate 2 is low after reset
  clock.advance_ticks(5000);
  BOOST_TEST(latch(2) == 1000);  // nothing counted
  pit.write(0x61, 0x01);
  clock.advance_ticks(400);
  pit.write(0x61, 0x00);
  clock.advance_ticks(5000);
  BOOST_TEST(latch(2) == 600);
  pit.write(0x61, 0x01);
  clock.advance_ticks(600);
  BOOST_TEST((pit.read(0x61) & 0x20) == 0x20);
}

BOOST_FIXTURE_TEST_CASE(square_wave_counts_by_two, Fixture) {
  load(0, 3, 1000);
  clock.advance_ticks(100);
  BOOST_TEST(latch(0) == 800);
  pit.write(0x43, 0xE2);               // status of channel 0
  BOOST_TEST(pit.read(0x40) == 0xB6);  // OUT high (first half), access 3, mode 3
  clock.advance_ticks(500);            // second half: OUT low
  pit.write(0x43, 0xE2);
  BOOST_TEST((pit.read(0x40) & 0x80) == 0);
  clock.advance_ticks(400);
  BOOST_TEST(pit.take_irq0_edges() == 1u);
}

BOOST_FIXTURE_TEST_CASE(one_byte_access_modes, Fixture) {
  pit.write(0x43, 0x10);  // channel 0, LSB only, mode 0
  pit.write(0x40, 200);
  clock.advance_ticks(50);
  BOOST_TEST(pit.read(0x40) == 150);
  pit.write(0x43, 0x20);  // MSB only
  pit.write(0x40, 0x02);  // 512
  clock.advance_ticks(2);
  BOOST_TEST(pit.read(0x40) == 0x01);  // 510 >> 8
  clock.advance_ticks(600);
  BOOST_TEST(pit.take_irq0_edges() == 1u);  // mode 0: one edge at terminal count
  BOOST_TEST(!pit.next_irq0_edge());
}

BOOST_FIXTURE_TEST_CASE(refresh_bit_toggles, Fixture) {
  const std::uint8_t a = pit.read(0x61) & 0x10;
  clock.now += 15085;
  const std::uint8_t b = pit.read(0x61) & 0x10;
  BOOST_TEST(a != b);
}
