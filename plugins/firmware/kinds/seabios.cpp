// SeaBIOS (Debian's package seabios): a legacy BIOS image hvmloader copies
// to end at 1 MiB. Also what a `bios:` path is taken to be when no other
// kind recognises the file.
#include <hvmtool/guest_abi.h>

#include "../firmware_kind.hpp"
#include "../image_checks.hpp"

namespace hvmtool::firmware {
namespace {

namespace fs = std::filesystem;

// Copied to end at 1 MiB, inside 0xC0000-0xFFFFF (guest_abi.h).
constexpr std::uint64_t kBiosModuleMax = HVMTOOL_ABI_BIOS_MAX_SIZE;
static_assert(HVMTOOL_ABI_BIOS_END - HVMTOOL_ABI_BIOS_MAX_SIZE >= HVMTOOL_ABI_LEGACY_ROM_START);

fs::path installed() { return "/usr/share/seabios/bios.bin"; }

FirmwareImage legacy_bios_image(const fs::path& p) {
  check_file(p, "bios", kBiosModuleMax);
  return {HVMTOOL_ABI_MODULE_FIRMWARE, p, LoadRule::module, kBiosModuleMax};
}

}  // namespace

extern const FirmwareKind kSeabiosKind{"seabios", FirmwareField::bios, installed, legacy_bios_image};

}  // namespace hvmtool::firmware
