// The guest port devices every platform with its own device model shares:
// console ports, the poweroff/reset/pvpanic ports, CMOS through 0x70/0x71,
// and the 16550 UART as Linux's 8250 driver probes and drives it.

#define BOOST_TEST_MODULE port_bus
#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "hvmtool_platforms/port_bus.hpp"

using namespace hvmtool;
using namespace hvmtool::platforms;

namespace {

struct Bus {
  std::map<ConsoleChannel, std::string> text;
  std::vector<bool> irq;  // every change of the COM1 line
  PortBus bus{[this](ConsoleChannel ch, std::string_view b) { text[ch].append(b); },
              [this](bool level) { irq.push_back(level); }};

  std::optional<ShutdownRequest> out(std::uint16_t port, unsigned size, std::uint32_t value, bool handled = true) {
    std::optional<ShutdownRequest> sd;
    BOOST_TEST(bus.out(port, size, value, sd) == handled);
    return sd;
  }
  std::uint32_t in(std::uint16_t port, unsigned size = 1) {
    std::uint32_t v = 0;
    BOOST_TEST(bus.in(port, size, v));
    return v;
  }
  std::uint8_t uart(unsigned reg) { return static_cast<std::uint8_t>(in(port::kCom1 + reg)); }
  void uart(unsigned reg, std::uint8_t v) { BOOST_TEST(!out(port::kCom1 + reg, 1, v)); }
};

std::string reason(const std::optional<ShutdownRequest>& r) {
  if (!r) return "none";
  static const char* names[] = {"poweroff", "reboot", "crash"};
  return std::string(names[static_cast<int>(r->reason)]) + ": " + r->detail;
}

}  // namespace

BOOST_AUTO_TEST_CASE(console_ports) {
  Bus b;
  for (char c : std::string("hi\n")) BOOST_TEST(!b.out(port::kDebugCon, 1, static_cast<std::uint8_t>(c)));
  BOOST_TEST(b.bus.out_bytes(port::kSeabiosDebug, "SeaBIOS (version x)\n"));
  BOOST_TEST(!b.bus.out_bytes(0x1234, "nobody"));
  BOOST_TEST(b.text[ConsoleChannel::debug] == "hi\n");
  BOOST_TEST(b.text[ConsoleChannel::firmware_debug] == "SeaBIOS (version x)\n");
  // The Bochs/QEMU presence check on both.
  BOOST_TEST(b.in(port::kDebugCon) == 0xE9u);
  BOOST_TEST(b.in(port::kSeabiosDebug) == 0xE9u);
}

BOOST_AUTO_TEST_CASE(shutdown_ports) {
  Bus b;
  BOOST_TEST(reason(b.out(port::kPm1aCnt, 2, 0x2000 | 0x1C00)) == "poweroff: port 0x604 SLP_EN");
  BOOST_TEST(reason(b.out(port::kPm1aCnt, 2, 0x1C00)) == "none");  // SLP_TYP without SLP_EN
  BOOST_TEST(b.in(port::kPm1aCnt, 2) == 0x1C01u);                  // what was written, SCI_EN set
  BOOST_TEST(reason(b.out(port::kPm1aCnt + 1, 1, 0x20)) == "poweroff: port 0x604 SLP_EN");  // high byte alone

  BOOST_TEST(reason(b.out(port::kResetControl, 1, 0x02)) == "none");
  BOOST_TEST(b.in(port::kResetControl) == 0x02u);
  BOOST_TEST(reason(b.out(port::kResetControl, 1, 0x06)) == "reboot: port 0xcf9 reset");
  // 0xCF9 is a byte register; a wider access there is PCI's 0xCF8 window.
  BOOST_TEST(reason(b.out(port::kResetControl, 4, 0x06, false)) == "none");

  BOOST_TEST(reason(b.out(port::kPvpanic, 1, 0)) == "none");
  BOOST_TEST(reason(b.out(port::kPvpanic, 1, 1)) == "crash: pvpanic (port 0x505 value 0x1)");
  BOOST_TEST(b.in(port::kPvpanic) == 0x01u);

  BOOST_TEST(reason(b.out(port::kPost, 1, 0x55)) == "none");  // quietly ignored
  b.out(0x1234, 1, 0, false);
  std::uint32_t v = 0;
  BOOST_TEST(!b.bus.in(0x1234, 1, v));
}

BOOST_AUTO_TEST_CASE(cmos_through_its_ports) {
  Bus b;
  b.bus.cmos().set_cpu_count(2);
  b.out(port::kCmosIndex, 1, 0x80 | 0x5F);  // NMI masked, as firmware does
  BOOST_TEST(b.in(port::kCmosData) == 1u);
  b.out(port::kCmosIndex, 1, 0x34);
  b.out(port::kCmosData, 1, 0x07);
  b.out(port::kCmosIndex, 1, 0x34);
  BOOST_TEST(b.in(port::kCmosData) == 0x07u);
}

BOOST_AUTO_TEST_CASE(uart_as_linux_probes_it) {
  Bus b;
  // Scratch register.
  b.uart(7, 0xA5);
  BOOST_TEST(b.uart(7) == 0xA5);
  // Divisor latch behind LCR.DLAB, THR/IER again once it is cleared.
  b.uart(3, 0x80);
  b.uart(0, 0x01);
  b.uart(1, 0x00);
  BOOST_TEST(b.uart(0) == 0x01);
  b.uart(3, 0x03);  // 8N1
  BOOST_TEST(b.uart(3) == 0x03);
  // FIFO bits in IIR once FCR enables it.
  b.uart(2, 0x01);
  BOOST_TEST((b.uart(2) & 0xC0) == 0xC0);
  // Loopback: the MCR outputs come back in MSR, a byte written comes back in RBR.
  b.uart(4, 0x10 | 0x0A);                  // LOOP, RTS, OUT2
  BOOST_TEST((b.uart(6) & 0xF0) == 0x90);  // CTS (from RTS), DCD (from OUT2)
  b.uart(0, 'L');
  BOOST_TEST((b.uart(5) & 0x01) == 0x01);  // data ready
  BOOST_TEST(b.uart(0) == 'L');
  BOOST_TEST((b.uart(5) & 0x01) == 0x00);
  BOOST_TEST(b.text[ConsoleChannel::serial].empty());  // loopback bytes stay inside
  // Normal operation: bytes go to the serial console; THR is always empty.
  b.uart(4, 0x03);
  for (char c : std::string("ttyS0\n")) b.uart(0, static_cast<std::uint8_t>(c));
  BOOST_TEST(b.text[ConsoleChannel::serial] == "ttyS0\n");
  BOOST_TEST((b.uart(5) & 0x60) == 0x60);                           // THRE | TEMT
  BOOST_TEST((b.uart(6) & 0xB0) == 0xB0);                           // DCD, DSR, CTS: a terminal is there
  BOOST_TEST(b.in(port::kCom1 + 8 - 1, 2) == 0xFF00u + b.uart(7));  // past the last register: all-ones
}

BOOST_AUTO_TEST_CASE(uart_thre_interrupt_on_irq4) {
  Bus b;
  b.uart(4, 0x08);  // OUT2: the line reaches the PIC
  BOOST_TEST(b.irq.empty());
  b.uart(1, 0x02);  // enable THRI: THR is empty, so it is pending at once
  BOOST_REQUIRE(!b.irq.empty());
  BOOST_TEST(b.irq.back() == true);
  BOOST_TEST((b.uart(2) & 0x0F) == 0x02);  // IIR says THRI, and reading it acknowledges
  BOOST_TEST(b.irq.back() == false);
  BOOST_TEST((b.uart(2) & 0x0F) == 0x01);  // nothing pending
  // Each byte written raises it again: one edge per byte.
  const auto before = b.irq.size();
  b.uart(0, 'x');
  BOOST_TEST(b.irq.size() == before + 1);
  BOOST_TEST(b.irq.back() == true);
  // Without OUT2 the line stays low whatever is pending.
  b.uart(4, 0x00);
  BOOST_TEST(b.irq.back() == false);
  b.uart(0, 'y');
  BOOST_TEST(b.irq.back() == false);
}
