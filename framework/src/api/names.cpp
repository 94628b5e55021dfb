#include "hvmtool/config.hpp"
#include "hvmtool/domain.hpp"

namespace hvmtool {

std::string_view to_string(DomainType t) {
  switch (t) {
    case DomainType::hvm:
      return "hvm";
    case DomainType::pv:
      return "pv";
    case DomainType::pvh:
      return "pvh";
  }
  return "?";
}

std::string_view to_string(ShutdownAction a) {
  switch (a) {
    case ShutdownAction::destroy:
      return "destroy";
    case ShutdownAction::restart:
      return "restart";
    case ShutdownAction::preserve:
      return "preserve";
  }
  return "?";
}

std::string_view to_string(ShutdownReason r) {
  switch (r) {
    case ShutdownReason::poweroff:
      return "poweroff";
    case ShutdownReason::reboot:
      return "reboot";
    case ShutdownReason::crash:
      return "crash";
  }
  return "?";
}

std::string_view to_string(ConsoleChannel c) {
  switch (c) {
    case ConsoleChannel::debug:
      return "debug";
    case ConsoleChannel::firmware_debug:
      return "firmware";
    case ConsoleChannel::serial:
      return "serial";
    case ConsoleChannel::hypervisor:
      return "hypervisor";
  }
  return "?";
}

}  // namespace hvmtool
