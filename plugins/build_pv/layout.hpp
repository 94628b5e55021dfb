#pragma once

// Guest-physical layout of a direct kernel boot (no firmware), shared by the
// bzImage (Linux 64-bit boot protocol) and PVH paths. Addresses below 1 MiB
// follow Firecracker/kvmtool: GDT at 0x500, zero page at 0x7000, page tables
// from 0x9000, command line at 0x20000; the kernel goes at 1 MiB.

#include <cstdint>
#include <vector>

namespace hvmtool::build_pv {

inline constexpr std::uint64_t kPage = 0x1000;
inline constexpr std::uint64_t k4G = 1ull << 32;
inline constexpr std::uint64_t kLowRamEnd = 0xA0000;  // RAM below 640 KiB in the E820
inline constexpr std::uint64_t kHighMem = 0x100000;   // RAM resumes at 1 MiB

inline constexpr std::uint64_t kGdtAddr = 0x500;
inline constexpr std::uint64_t kStartInfoAddr = 0x6000;  // PVH: hvm_start_info, modlist, memmap (one page)
inline constexpr std::uint64_t kZeroPageAddr = 0x7000;   // bzImage: boot_params
inline constexpr std::uint64_t kPml4Addr = 0x9000;
inline constexpr std::uint64_t kPdptAddr = 0xA000;
inline constexpr std::uint64_t kPdAddr = 0xB000;  // 4 pages: 4 GiB of 2 MiB pages
inline constexpr unsigned kPdPages = 4;
inline constexpr std::uint64_t kCmdlineAddr = 0x20000;
inline constexpr std::uint64_t kCmdlineMax = 0x10000;  // bytes, with the NUL
inline constexpr std::uint64_t kKernelAddr = 0x100000;

inline constexpr std::uint16_t kBootCs = 0x10, kBootDs = 0x18;  // Linux's __BOOT_CS/__BOOT_DS

struct E820Entry {
  std::uint64_t addr, size;
  std::uint32_t type;  // 1 RAM, 2 reserved
};

struct Layout {
  std::uint64_t memory = 0;      // bytes of RAM
  std::uint64_t low_end = 0;     // RAM below 4 GiB ends here (exclusive)
  std::uint64_t high_bytes = 0;  // RAM from 4 GiB on
  std::vector<E820Entry> e820;   // what the guest is told
  std::uint64_t high_end() const { return high_bytes ? k4G + high_bytes : 0; }
};

// RAM is [0, low_end) and [4 GiB, 4 GiB + high_bytes), all populated; the
// E820 leaves 0xA0000-0xFFFFF out (legacy VGA/ROM area, as Firecracker does)
// and, with Xen's special pages, marks their frames reserved (as libxl does
// for PVH guests).
Layout compute_layout(std::uint64_t memory, std::uint64_t mmio_hole, bool xen_special_pages = false);

}  // namespace hvmtool::build_pv
