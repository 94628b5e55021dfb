#pragma once

// One fault a test injects into one named platform operation: what happens
// when the operation is called. Kept in the faulty platform's library, like
// the exceptions it throws, so they are foreign to the framework.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace hvmtool::faults {

enum class FaultKind {
  fail,     // PlatformError, as a hypervisor refusal
  std,      // std::out_of_range: a std type that is no hvmtool error
  non_std,  // an int
  hang,     // blocks for `hang` (longer than the stage's timeout), then works
  sigterm,  // sends this process SIGTERM, then works
};

struct InjectedFault {
  std::string op;  // e.g. "populate_physmap", "store.transact"; empty = none
  FaultKind kind = FaultKind::fail;
  std::chrono::milliseconds hang{1000};
  // Only the first call is faulty: a hang stands for one stuck call, not a
  // builder whose every populate takes a second.
  std::shared_ptr<std::atomic<bool>> fired = std::make_shared<std::atomic<bool>>(false);

  // Does what the fault says if `called` is the faulty operation, once.
  void at(std::string_view called) const;
};

}  // namespace hvmtool::faults
