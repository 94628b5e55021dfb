#pragma once

// Xen's C headers for C++: none of them declares extern "C" itself, and
// xenctrl.h must come first (it defines __XEN_TOOLS__ for the public headers).
// Every file of the platform includes Xen's headers through this one.

#include <stdint.h>

extern "C" {
#include <xenctrl.h>
}
