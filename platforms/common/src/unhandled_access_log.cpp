#include "hvmtool_platforms/unhandled_access_log.hpp"

#include <cstdio>

namespace hvmtool::platforms {

UnhandledAccessLog::UnhandledAccessLog(Logger& log, std::string prefix, unsigned burst, Clock clock)
    : log_(log), prefix_(std::move(prefix)), burst_(burst), clock_(std::move(clock)) {}

void UnhandledAccessLog::report(Access access, std::uint64_t where, unsigned size, std::uint64_t value) {
  count_.fetch_add(1, std::memory_order_relaxed);
  if (!log_.enabled(LogLevel::debug)) return;
  {
    std::lock_guard lk(mu_);
    const auto now = clock_();
    if (now - window_ >= std::chrono::seconds(1)) {
      if (suppressed_ > 0)
        log_.debug(prefix_ + ": " + std::to_string(suppressed_) + " more unhandled guest accesses not logged");
      window_ = now;
      in_window_ = 0;
      suppressed_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_;
      return;
    }
    ++in_window_;
  }
  static constexpr const char* kWhat[] = {"port read", "port write", "MMIO read", "MMIO write"};
  const bool read = access == Access::port_read || access == Access::mmio_read;
  char buf[160];
  if (read)
    std::snprintf(buf, sizeof buf, "%s 0x%llx size %u ignored (reads all-ones)", kWhat[static_cast<int>(access)],
                  static_cast<unsigned long long>(where), size);
  else
    std::snprintf(buf, sizeof buf, "%s 0x%llx size %u value 0x%llx ignored", kWhat[static_cast<int>(access)],
                  static_cast<unsigned long long>(where), size, static_cast<unsigned long long>(value));
  log_.debug(prefix_ + ": unhandled " + buf);
}

}  // namespace hvmtool::platforms
