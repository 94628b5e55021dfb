#include "runner/run_result.hpp"

namespace hvmtool {

std::string_view to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::poweroff:
      return "poweroff";
    case RunOutcome::reboot:
      return "reboot";
    case RunOutcome::crash:
      return "crash";
    case RunOutcome::completed:
      return "completed";
    case RunOutcome::failed:
      return "failed";
    case RunOutcome::timed_out:
      return "timed-out";
    case RunOutcome::cancelled:
      return "cancelled";
    case RunOutcome::restart_loop:
      return "restart-loop";
  }
  return "?";
}

int exit_code_for(RunOutcome o) {
  switch (o) {
    case RunOutcome::poweroff:
    case RunOutcome::completed:
      return 0;
    case RunOutcome::failed:
    case RunOutcome::timed_out:
      return 2;
    case RunOutcome::crash:
      return 3;
    case RunOutcome::reboot:
    case RunOutcome::restart_loop:
      return 4;
    case RunOutcome::cancelled:
      return 130;
  }
  return 2;
}

}  // namespace hvmtool
