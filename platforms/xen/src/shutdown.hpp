#pragma once

#include <optional>

#include "hvmtool/domain.hpp"
#include "xen_api.hpp"

namespace hvmtool::xen {

// What a domain's xc_domain_getinfolist row means for its owner, after an
// @releaseDomain watch fired: nullopt while it still runs (or is suspended,
// SHUTDOWN_suspend, which is not an end); otherwise the shutdown event.
// SHUTDOWN_poweroff -> poweroff, reboot -> reboot, crash -> crash,
// watchdog -> crash, soft_reset -> reboot; a dying domain without a shutdown
// code, or one that is gone (`info` empty), -> poweroff.
std::optional<DomainEvent> event_for(const std::optional<DomInfo>& info);

}  // namespace hvmtool::xen
