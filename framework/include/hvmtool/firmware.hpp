#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hvmtool/config.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// How the HVM builder places an image in guest memory.
enum class LoadRule {
  elf_at_link_address,  // the loader itself (hvmloader): PT_LOAD segments where linked
  module,               // anywhere free; listed in hvm_start_info under `name`
  // A module that the loader copies to end at 4 GiB, where a PC's flash chip
  // sits (OVMF). The builder places it like `module` and also backs the
  // window [4 GiB - round_up(size, 1 MiB), 4 GiB) with RAM, counted on top
  // of the domain's memory, because a loader on kvm has no way to populate
  // memory itself (Xen's hvmloader does it with XENMEM_populate_physmap).
  module_flash_window,
};

// The window a `module_flash_window` image of `size` bytes is copied into:
// whole MiBs ending at 4 GiB (Xen's hvmloader rounds the same way).
inline constexpr std::uint64_t flash_window_bytes(std::uint64_t size) {
  return (size + 0xFFFFF) & ~std::uint64_t{0xFFFFF};
}

struct FirmwareImage {
  std::string name;  // module name hvmloader looks up ("firmware" for a BIOS)
  std::filesystem::path path;
  LoadRule rule = LoadRule::module;
  std::uint64_t max_size = 0;  // bytes; 0 = no limit beyond guest RAM
};

// The firmware a domain boots through: the loader the vCPU starts in, and the
// modules handed to it (libxl__domain_firmware's result).
struct FirmwareSet {
  FirmwareImage loader;
  std::vector<FirmwareImage> modules;
};

// Resolves the domain's `firmware:` / `bios:` choice to checked files.
class HVMTOOL_API FirmwareProvider {
 public:
  virtual ~FirmwareProvider() = default;
  // Called when the pipeline file is loaded. The names in `domain.firmware`
  // and `domain.bios` are the provider's words: one it does not know is a
  // ConfigError at domain.firmware_where / bios_where (fail_field). A file
  // that is missing or malformed is an ImageError naming it and the reason.
  virtual FirmwareSet resolve(const DomainConfig& domain) const = 0;
};

}  // namespace hvmtool
