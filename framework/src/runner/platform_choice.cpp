#include "runner/platform_choice.hpp"

#include "hvmtool/error.hpp"

namespace hvmtool {

PlatformChoice choose_platform(std::span<const std::string_view> candidates, const PlatformOpener& open) {
  std::string reasons;
  for (std::string_view candidate : candidates) {
    const std::string name(candidate);
    try {
      PlatformChoice choice{name, open(name), {}};
      if (!reasons.empty()) choice.fallback = "platform auto: using " + name + " (" + reasons + ")";
      return choice;
    } catch (const std::exception& e) {
      // Only framework-owned errors reach here (the opener is the plugin
      // boundary), so what() stays valid after the plugin is released.
      if (!reasons.empty()) reasons += "; ";
      reasons += e.what();
    }
  }
  throw PlatformError("platform auto: no platform can run on this host (" + reasons + ")");
}

}  // namespace hvmtool
