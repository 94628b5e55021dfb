#pragma once

#include <memory>

#include "xen_api.hpp"

namespace hvmtool::xen {

// Where a dom0 has the hypercall driver; its absence is the one-line error.
inline constexpr const char* kPrivcmdPath = "/dev/xen/privcmd";

// XenApi on the real libraries: libxenctrl, libxenguest, libxenforeignmemory,
// libxenstore. Nothing is opened until open().
std::shared_ptr<XenApi> make_real_xen_api();

}  // namespace hvmtool::xen
