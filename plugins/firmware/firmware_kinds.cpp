#include "firmware_kind.hpp"

namespace hvmtool::firmware {

extern const FirmwareKind kHvmloaderKind;
extern const FirmwareKind kSeabiosKind;
extern const FirmwareKind kOvmfKind;

// An explicit list rather than each file registering itself from a static
// initialiser: a kind whose file is not built is then a link error, not a
// name that quietly stops working, and the order (which messages list the
// names in) is written down here.
const std::vector<const FirmwareKind*>& firmware_kinds() {
  static const std::vector<const FirmwareKind*> kinds = {&kHvmloaderKind, &kSeabiosKind, &kOvmfKind};
  return kinds;
}

}  // namespace hvmtool::firmware
