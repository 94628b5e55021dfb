#pragma once

#include <filesystem>

#include "hvmtool/export.hpp"

namespace hvmtool {

// A background `hvmtool run` logs to hvmtool-PID.log in the log directory,
// one file per run. Before a new one is made, the logs of runs that have
// ended beyond the newest `keep` are removed, so a host that starts domains
// for months keeps a bounded number (the logs of live runs are never
// touched). Problems are ignored: pruning must never stop a run.
HVMTOOL_API void prune_background_logs(const std::filesystem::path& dir, unsigned keep = 20);

}  // namespace hvmtool
