#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "hvmtool/stage_slot.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// How one domain's run ended.
enum class RunOutcome {
  poweroff,      // guest powered off (on_poweroff applied)
  reboot,        // guest rebooted and on_reboot was not restart
  crash,         // guest crashed
  completed,     // the wait stage returned without a shutdown event
  failed,        // a stage failed; the domain was rolled back
  timed_out,     // a stage exceeded its timeout; rolled back
  cancelled,     // SIGINT/SIGTERM or `hvmtool destroy`; rolled back
  restart_loop,  // on_reboot=restart tripped the restart-loop guard
};

HVMTOOL_API std::string_view to_string(RunOutcome o);

// The exit status `hvmtool run` returns for an outcome (README: "Exit status").
HVMTOOL_API int exit_code_for(RunOutcome o);

struct StageTiming {
  StageSlot slot;
  std::string plugin;
  std::chrono::nanoseconds elapsed{0};
  std::string status;  // "ok", "failed", "timeout", "cancelled"
};

struct RunResult {
  std::string domain;
  RunOutcome outcome = RunOutcome::failed;
  std::string message;               // one line: what happened
  unsigned attempts = 0;             // 1 + restarts; 0: never started (see never_started)
  std::vector<StageTiming> timings;  // the last attempt's stages
  std::chrono::nanoseconds teardown{0};
};

// A domain a cancel reached while it waited for admission: no stage ran.
inline bool never_started(const RunResult& r) { return r.attempts == 0; }

}  // namespace hvmtool
