#include "hvmtool_platforms/cmos_rtc.hpp"

namespace hvmtool::platforms {

namespace {
// Time-of-day registers and the four status registers.
constexpr unsigned kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kWeekday = 0x06, kDay = 0x07, kMonth = 0x08,
                   kYear = 0x09, kStatusA = 0x0A, kStatusB = 0x0B, kStatusC = 0x0C, kStatusD = 0x0D;
constexpr unsigned kCentury = 0x32;  // where PC BIOSes (and ACPI's FADT default) keep it
constexpr unsigned kCpuCountLess1 = 0x5F;
constexpr std::uint8_t kStatusA32k = 0x26;     // 32.768 kHz divider, 1024 Hz rate, UIP clear
constexpr std::uint8_t kStatusB24hBcd = 0x02;  // 24-hour, BCD, no interrupts
constexpr std::uint8_t kStatusDValid = 0x80;   // battery good, RAM and time valid

std::uint8_t bcd(int v) { return static_cast<std::uint8_t>(((v / 10) << 4) | (v % 10)); }
}  // namespace

std::uint8_t CmosRtc::clock_register(unsigned index) const {
  const std::time_t now = clock_();
  std::tm t{};
  ::gmtime_r(&now, &t);
  switch (index) {
    case kSeconds:
      return bcd(t.tm_sec);
    case kMinutes:
      return bcd(t.tm_min);
    case kHours:
      return bcd(t.tm_hour);
    case kWeekday:
      return bcd(t.tm_wday + 1);
    case kDay:
      return bcd(t.tm_mday);
    case kMonth:
      return bcd(t.tm_mon + 1);
    case kYear:
      return bcd(t.tm_year % 100);
    case kCentury:
      return bcd(19 + t.tm_year / 100);
    case kStatusA:
      return kStatusA32k;
    case kStatusB:
      return kStatusB24hBcd;
    case kStatusC:
      return 0;  // no interrupt flags
    case kStatusD:
      return kStatusDValid;
    default:
      return 0;  // alarm registers: never set
  }
}

void CmosRtc::set_cpu_count(unsigned count) {
  std::lock_guard lk(mu_);
  ram_[kCpuCountLess1] = static_cast<std::uint8_t>(count ? count - 1 : 0);
}

void CmosRtc::write_index(std::uint8_t value) {
  std::lock_guard lk(mu_);
  index_ = value & 0x7F;
}

void CmosRtc::write_data(std::uint8_t value) {
  std::lock_guard lk(mu_);
  if (index_ > kStatusD && index_ != kCentury) ram_[index_] = value;
}

std::uint8_t CmosRtc::read_data() {
  std::lock_guard lk(mu_);
  if (index_ <= kStatusD || index_ == kCentury) return clock_register(index_);
  return ram_[index_];
}

}  // namespace hvmtool::platforms
