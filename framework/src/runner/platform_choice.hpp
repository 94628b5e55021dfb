#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hvmtool/platform.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

struct PlatformChoice {
  std::string plugin;
  std::shared_ptr<Platform> platform;
  // Empty when the first candidate was taken; otherwise one line saying which
  // platform serves the file and why each earlier candidate could not.
  std::string fallback;
};

// Creates a platform from a plugin and checks that it can run on this host
// (Platform::check_available); throws a one-line error when it cannot.
using PlatformOpener = std::function<std::shared_ptr<Platform>(const std::string& plugin)>;

// `platform: auto`: the first of `candidates` that opens serves the file.
// Throws PlatformError naming every candidate's reason when none can run.
HVMTOOL_API PlatformChoice choose_platform(std::span<const std::string_view> candidates, const PlatformOpener& open);

}  // namespace hvmtool
