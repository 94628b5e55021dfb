#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hvmtool/config.hpp"

namespace hvmtool {

// How the HVM builder places an image in guest memory.
enum class LoadRule {
  elf_at_link_address,  // the loader itself (hvmloader): PT_LOAD segments where linked
  module,               // anywhere free; listed in hvm_start_info under `name`
};

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
class FirmwareProvider {
 public:
  virtual ~FirmwareProvider() = default;
  // Throws ConfigError/ImageError naming the file and what is wrong with it.
  virtual FirmwareSet resolve(const DomainConfig& domain) const = 0;
};

}  // namespace hvmtool
