#pragma once

#include <ostream>
#include <vector>

#include "runner/run_result.hpp"

namespace hvmtool {

// --timings: a table of each domain's stages and their wall time.
void print_timings(std::ostream& out, const std::vector<RunResult>& results);
// --json: the same, machine-readable.
void print_json(std::ostream& out, const std::vector<RunResult>& results);

}  // namespace hvmtool
