// OVMF (Debian's package ovmf): a UEFI flash image hvmloader copies to end
// at 4 GiB and enters through its reset vector. A `bios:` path is this kind
// when the file starts with a firmware volume header (OVMF_CODE.fd and
// friends do, legacy BIOSes do not).
#include <hvmtool/guest_abi.h>

#include "../firmware_kind.hpp"
#include "../image_checks.hpp"
#include "../uefi_image.hpp"

namespace hvmtool::firmware {
namespace {

namespace fs = std::filesystem;

fs::path installed() { return "/usr/share/ovmf/OVMF.fd"; }

// Small enough to check whole, and checked once here so that a truncated or
// foreign file fails before a domain exists.
FirmwareImage uefi_flash_image(const fs::path& p) {
  const std::uint64_t size = check_file(p, "bios", kUefiImageMax);
  check_uefi_image(read_head(p, size), p.string());
  return {HVMTOOL_ABI_MODULE_FIRMWARE, p, LoadRule::module_flash_window, kUefiImageMax};
}

}  // namespace

extern const FirmwareKind kOvmfKind{"ovmf", FirmwareField::bios, installed, uefi_flash_image, looks_like_uefi_image};

}  // namespace hvmtool::firmware
