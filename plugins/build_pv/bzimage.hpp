#pragma once

// What build_pv writes for a Linux bzImage booted through the 64-bit entry
// of the x86 boot protocol (Documentation/arch/x86/boot.rst). The image
// itself is read and checked by plugins/common's bzimage parser, the one
// build_hvm uses for hvmloader's 32-bit entry too.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hvmtool_common/bzimage.hpp"
#include "layout.hpp"

namespace hvmtool::build_pv {

using BzImage = common::bzimage::Image;

// The zero page (4 KiB): setup header copied from the image, then what the
// loader fills in (type_of_loader, cmd_line_ptr, ramdisk, e820).
std::vector<std::byte> make_zero_page(std::span<const std::byte> bytes, const BzImage& image,
                                      const std::vector<E820Entry>& e820, std::uint64_t cmdline_paddr,
                                      std::uint64_t ramdisk_paddr, std::uint64_t ramdisk_size);

// Identity page tables for the first 4 GiB with 2 MiB pages: PML4 page,
// PDPT page, kPdPages PD pages, laid out from kPml4Addr.
std::vector<std::byte> make_page_tables();

// GDT at kGdtAddr: null, null, 64-bit code (kBootCs), data (kBootDs).
std::vector<std::byte> make_gdt();

}  // namespace hvmtool::build_pv
