#pragma once

// The cells of the fault matrix and what each must end in. A cell is one
// fault (fail, throw a foreign std type, throw an int, hang past the
// timeout, SIGTERM) at one place: a pipeline step's stage (the thrower test
// plugin standing in for it) or a platform operation under the real stages
// (the faulty platform wrapping emu or kvm). Everything else is the real
// thing: core, bootloader none, build_hvm, hvmloader and the test kernel (or,
// for the build_pv cells, build_pv and the test kernel as a PVH domain).

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace hvmtool::faults {

struct FaultCell {
  std::string step;    // the pipeline step that fails; "teardown": the undo after the guest powered off
  std::string plugin;  // the plugin serving that step
  std::string op;      // the faulty platform operation; empty: the stage itself
  std::string kind;    // fail | std | int | hang | sigterm; none: no fault at all
};

// The cells' pipeline without any fault.
inline FaultCell no_fault() { return {"", "", "", "none"}; }

std::ostream& operator<<(std::ostream& out, const FaultCell& cell);

std::vector<FaultCell> stage_cells();  // every step × every kind
// Every operation the real stages call × the kinds that apply, and the
// builder's operations again under build_pv.
std::vector<FaultCell> platform_cells();

// The pipeline file of `cell` on `platform` (emu, kvm), with its one domain `f`.
std::string cell_pipeline(const FaultCell& cell, const std::string& platform);

// README's exit status for the cell's outcome.
int expected_exit(const FaultCell& cell);
// The domain's one line (RunResult::message, and after "hvmtool: f: " on stderr).
std::string expected_message(const FaultCell& cell);
// All of stderr of `hvmtool run -F` but its info lines (build_hvm's summary,
// "cancelling: ..."): the domain's one line, or a teardown's one warning.
std::string expected_stderr(const FaultCell& cell);
// `text` without its "hvmtool: info: " lines.
std::string without_info_lines(const std::string& text);

// The name of the one domain every cell's pipeline creates.
inline constexpr const char* kDomain = "f";

}  // namespace hvmtool::faults
