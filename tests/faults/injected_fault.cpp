#include "faults/injected_fault.hpp"

#include <csignal>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "hvmtool/error.hpp"

namespace hvmtool::faults {

void InjectedFault::at(std::string_view called) const {
  if (called != op || fired->exchange(true)) return;
  const std::string what = "faulty: " + op + " failed on purpose";
  switch (kind) {
    case FaultKind::fail:
      throw PlatformError(what);
    case FaultKind::std:
      throw std::out_of_range(what);
    case FaultKind::non_std:
      throw 42;
    case FaultKind::hang:
      std::this_thread::sleep_for(hang);
      return;
    case FaultKind::sigterm:
      ::kill(::getpid(), SIGTERM);
      return;
  }
}

}  // namespace hvmtool::faults
