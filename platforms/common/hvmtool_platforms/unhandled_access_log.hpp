#pragma once

// Guest accesses no device answers (a port or MMIO address nobody emulates):
// each is counted, and logged at debug level, at most `burst` lines a second
// per domain, then one "N more ... not logged" line when the next second's
// first access comes. A guest probing hardware in a loop must not flood the
// log, nor slow its vCPU down with formatting nobody reads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "hvmtool/log.hpp"

namespace hvmtool::platforms {

class UnhandledAccessLog {
 public:
  enum class Access { port_read, port_write, mmio_read, mmio_write };
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `prefix` starts every line, e.g. "kvm: domain 'web'".
  UnhandledAccessLog(Logger& log, std::string prefix, unsigned burst = 20,
                     Clock clock = std::chrono::steady_clock::now);

  // Thread-safe (every vCPU thread reports). `value` is a write's.
  void report(Access access, std::uint64_t where, unsigned size, std::uint64_t value = 0);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  Logger& log_;
  std::string prefix_;
  unsigned burst_;
  Clock clock_;
  std::atomic<std::uint64_t> count_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point window_{};
  unsigned in_window_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace hvmtool::platforms
