#pragma once

// A Linux bzImage read through the x86 boot protocol
// (Documentation/arch/x86/boot.rst), 64-bit entry. Every setup header field
// used is bounds-checked; problems are ImageError "FILE: offset 0x..: reason"
// with the offset of the offending header field.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "layout.hpp"

namespace hvmtool::build_pv {

// Header field offsets in the file (= in boot_params).
inline constexpr std::uint64_t kSetupSects = 0x1f1, kSyssize = 0x1f4, kBootFlag = 0x1fe, kJump = 0x200,
                               kHeaderMagic = 0x202, kVersion = 0x206, kLoadflags = 0x211, kCode32Start = 0x214,
                               kInitrdAddrMax = 0x22c, kRelocatable = 0x234, kXloadflags = 0x236, kCmdlineSize = 0x238,
                               kPrefAddress = 0x258, kInitSize = 0x260, kHeaderMin = 0x264;
inline constexpr std::uint16_t kMinVersion = 0x020c;  // 2.12: xloadflags

struct BzImage {
  std::uint16_t version = 0;
  std::uint64_t setup_size = 0;   // (setup_sects + 1) * 512: the protected-mode kernel's file offset
  std::uint64_t kernel_size = 0;  // syssize * 16 bytes copied to kKernelAddr
  std::uint64_t footprint = 0;    // max(kernel_size, init_size): memory the kernel needs from kKernelAddr
  std::uint64_t header_end = 0;   // setup header bytes [0x1f1, header_end) go into the zero page
  // Where the kernel's init_size ends once it runs: a relocatable kernel
  // loaded low moves itself up to pref_address first (boot.rst, init_size).
  std::uint64_t runtime_end = 0;
  std::uint32_t initrd_addr_max = 0;
  std::uint32_t cmdline_size = 0;  // longest command line, without the NUL
  std::uint16_t xloadflags = 0;
  std::uint64_t entry() const { return kKernelAddr + 0x200; }  // startup_64
};

// Checks the image for a 64-bit direct boot into [kKernelAddr, ram_end).
BzImage parse_bzimage(std::span<const std::byte> bytes, const std::string& file, std::uint64_t ram_end);

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
