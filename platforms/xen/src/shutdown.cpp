#include "shutdown.hpp"

#include "xen_c.hpp"

extern "C" {
#include <xen/sched.h>
}

namespace hvmtool::xen {

std::optional<DomainEvent> event_for(const std::optional<DomInfo>& info) {
  DomainEvent e;
  e.kind = DomainEvent::Kind::shutdown;
  if (!info) {
    e.reason = ShutdownReason::poweroff;
    e.detail = "domain gone";
    return e;
  }
  if (info->shutdown()) {
    const unsigned code = info->shutdown_code();
    switch (code) {
      case SHUTDOWN_poweroff:
        e.reason = ShutdownReason::poweroff;
        e.detail = "SHUTDOWN_poweroff";
        break;
      case SHUTDOWN_reboot:
        e.reason = ShutdownReason::reboot;
        e.detail = "SHUTDOWN_reboot";
        break;
      case SHUTDOWN_suspend:
        return std::nullopt;
      case SHUTDOWN_crash:
        e.reason = ShutdownReason::crash;
        e.detail = "SHUTDOWN_crash";
        break;
      case SHUTDOWN_watchdog:
        e.reason = ShutdownReason::crash;
        e.detail = "SHUTDOWN_watchdog";
        break;
      case SHUTDOWN_soft_reset:
        e.reason = ShutdownReason::reboot;
        e.detail = "SHUTDOWN_soft_reset";
        break;
      default:
        e.reason = ShutdownReason::crash;
        e.detail = "unknown shutdown code " + std::to_string(code);
        break;
    }
    return e;
  }
  if (info->dying()) {
    e.reason = ShutdownReason::poweroff;
    e.detail = "dying";
    return e;
  }
  return std::nullopt;
}

}  // namespace hvmtool::xen
