#pragma once

// The PC's MC146818 real-time clock and its 128 bytes of CMOS RAM, at ports
// 0x70 (index; bit 7 is the NMI mask, not part of the index) and 0x71
// (data). Firmware keeps facts here: hvmloader writes the low-RAM size into
// bytes 0x15-0x18, 0x30-0x31 and 0x34-0x35, and SeaBIOS and OVMF size
// memory from them when nothing else (fw_cfg) tells them.
//
// The clock reads the host's UTC time, in BCD and 24-hour mode; it never
// reports an update in progress and has no alarm or periodic interrupt.
// Writes to the time registers are accepted and forgotten. The rest of the
// RAM starts zeroed, as a fresh machine's would read after a CMOS reset.

#include <array>
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>

namespace hvmtool::platforms {

class CmosRtc {
 public:
  using Clock = std::function<std::time_t()>;
  explicit CmosRtc(Clock clock = [] { return std::time(nullptr); }) : clock_(std::move(clock)) {}

  // What the platform itself stores, as a PC's VMM does at power-on:
  // byte 0x5F = number of CPUs - 1 (QEMU's convention, which SeaBIOS reads
  // when it has no fw_cfg).
  void set_cpu_count(unsigned count);

  void write_index(std::uint8_t value);
  void write_data(std::uint8_t value);
  std::uint8_t read_data();

 private:
  std::uint8_t clock_register(unsigned index) const;

  std::mutex mu_;
  Clock clock_;
  std::uint8_t index_ = 0;
  std::array<std::uint8_t, 128> ram_{};
};

}  // namespace hvmtool::platforms
