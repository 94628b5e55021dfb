// The platforms' RTC/CMOS: the clock in BCD from the host's time, the
// NMI bit kept out of the index, and CMOS RAM that keeps what is written
// (the memory size hvmloader leaves for a BIOS).
#define BOOST_TEST_MODULE cmos_rtc
#include <boost/test/unit_test.hpp>

#include "hvmtool_platforms/cmos_rtc.hpp"

using hvmtool::platforms::CmosRtc;

namespace {
std::uint8_t read(CmosRtc& c, std::uint8_t index) {
  c.write_index(index);
  return c.read_data();
}
}  // namespace

BOOST_AUTO_TEST_CASE(clock_reads_the_host_time_in_bcd) {
  // 2026-11-25 04:30:09 UTC, a Wednesday.
  CmosRtc c([] { return std::time_t{1795581009}; });
  BOOST_TEST(read(c, 0x00) == 0x09);
  BOOST_TEST(read(c, 0x02) == 0x30);
  BOOST_TEST(read(c, 0x04) == 0x04);
  BOOST_TEST(read(c, 0x06) == 0x04);  // day of week, Sunday = 1
  BOOST_TEST(read(c, 0x07) == 0x25);
  BOOST_TEST(read(c, 0x08) == 0x11);
  BOOST_TEST(read(c, 0x09) == 0x26);
  BOOST_TEST(read(c, 0x32) == 0x20);        // century
  BOOST_TEST((read(c, 0x0A) & 0x80) == 0);  // never "update in progress"
  BOOST_TEST(read(c, 0x0B) == 0x02);        // 24-hour, BCD
  BOOST_TEST(read(c, 0x0D) == 0x80);        // valid RAM and time
  // The clock is not RAM: a written second does not stick.
  c.write_index(0x00);
  c.write_data(0x59);
  BOOST_TEST(read(c, 0x00) == 0x09);
}

BOOST_AUTO_TEST_CASE(cmos_ram_keeps_what_is_written_and_ignores_the_nmi_bit) {
  CmosRtc c([] { return std::time_t{0}; });
  BOOST_TEST(read(c, 0x34) == 0);
  BOOST_TEST(read(c, 0x7F) == 0);
  // hvmloader's 128 MiB: 0x700 x 64 KiB above 16 MiB, written with NMIs masked.
  c.write_index(0x80 | 0x34);
  c.write_data(0x00);
  c.write_index(0x80 | 0x35);
  c.write_data(0x07);
  BOOST_TEST(read(c, 0x34) == 0x00);
  BOOST_TEST(read(c, 0x35) == 0x07);
  BOOST_TEST(read(c, 0xB5) == 0x07);  // same byte, NMI bit set on the read
  c.write_index(0x7F);
  c.write_data(0xA5);
  BOOST_TEST(read(c, 0x7F) == 0xA5);
}

BOOST_AUTO_TEST_CASE(the_platform_keeps_the_cpu_count_in_byte_0x5f) {
  CmosRtc c([] { return std::time_t{0}; });
  c.set_cpu_count(4);
  BOOST_TEST(read(c, 0x5F) == 3);
  c.set_cpu_count(1);
  BOOST_TEST(read(c, 0x5F) == 0);
}
