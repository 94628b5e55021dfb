#pragma once

#include <string>
#include <vector>

#include "runner/session.hpp"

namespace hvmtool::cli {

// Loads and prepares each pipeline file into `session`. Each problem is
// printed as one line on stderr; returns false if there was any.
bool load_pipeline_files(Session& session, const std::vector<std::string>& files, bool report_ok);

}  // namespace hvmtool::cli
