#pragma once

// An ELF kernel with a PVH entry point: the Xen note XEN_ELFNOTE_PHYS32_ENTRY
// (type 18) in a PT_NOTE segment or SHT_NOTE section gives the 32-bit entry,
// entered in flat protected mode with paging off and EBX = hvm_start_info.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hvmtool_common/elf_image.hpp"
#include "layout.hpp"

namespace hvmtool::build_pv {

struct PvhImage {
  common::ElfImage elf;
  std::uint32_t entry = 0;
};

// Parses and checks the ELF: segments inside [kKernelAddr, ram_end), entry
// inside a segment, a usable PVH note.
PvhImage parse_pvh(std::span<const std::byte> bytes, const std::string& file, std::uint64_t ram_end);

struct StartInfoInputs {
  std::uint64_t cmdline_paddr = 0;                    // 0 = none
  std::uint64_t ramdisk_paddr = 0, ramdisk_size = 0;  // size 0 = no module
  std::vector<E820Entry> memmap;
  std::uint64_t rsdp_paddr = 0;  // 0 = no ACPI tables
};

// One page at kStartInfoAddr: hvm_start_info (version 1), the module list,
// the memory map.
std::vector<std::byte> make_start_info(const StartInfoInputs& in);

}  // namespace hvmtool::build_pv
