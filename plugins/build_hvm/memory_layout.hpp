#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include <hvmtool/domain.hpp>

namespace hvmtool::build_hvm {

inline constexpr std::uint64_t k4G = 1ull << 32;
inline constexpr std::uint64_t kVgaHoleStart = 0xA0000, kVgaHoleEnd = 0xC0000;
inline constexpr std::uint64_t kHvmInfoPaddr = 0x9F800;
// Xen's special pages (xg_dom_x86.c): special_pfn(x) = 0xff000 - 8 + x.
inline constexpr std::uint64_t kSpecialPfnEnd = 0xFF000, kNrSpecialPages = 8;
inline constexpr std::uint64_t kSpecialPfnStart = kSpecialPfnEnd - kNrSpecialPages;  // 0xFEFF8
enum SpecialPage : unsigned {
  paging = 0,
  access = 1,
  sharing = 2,
  bufioreq = 3,
  xenstore = 4,
  ioreq = 5,
  ident_pt = 6,
  console = 7
};
constexpr std::uint64_t special_pfn(unsigned x) { return kSpecialPfnStart + x; }
// ioreq server pages directly below them; reserved_mem_pgstart is the first.
inline constexpr std::uint64_t kNrIoreqServerPages = 8;
inline constexpr std::uint64_t kIoreqServerPfn = kSpecialPfnStart - kNrIoreqServerPages;  // 0xFEFF0
inline constexpr std::uint64_t kReservedPgStart = kIoreqServerPfn;

struct MemoryLayout {
  std::uint64_t memory = 0;      // bytes of RAM
  std::uint64_t low_end = 0;     // RAM below 4 GiB ends here (exclusive)
  std::uint64_t high_bytes = 0;  // RAM from 4 GiB on
  std::uint64_t mmio_start = 0;  // 4 GiB - mmio_hole
  std::uint64_t high_end() const { return high_bytes ? k4G + high_bytes : 0; }
};

MemoryLayout compute_layout(std::uint64_t memory, std::uint64_t mmio_hole);

struct ExtentCounts {
  std::uint64_t extents_1g = 0, extents_2m = 0, pages_4k = 0;
};

// Xen's meminit_hvm: 0x0-0x9F as 4 KiB pages, skip the VGA hole, then
// [0xC0, low end) and [4 GiB, high end) with 1G/2M/4K extents by alignment,
// falling back on what populate_physmap grants. `check` runs between calls
// (cancellation). Not plugins/common's populate_ram_range: an HVM guest gets
// exactly meminit_hvm's extents (8 MiB batches of 2 MiB, tails clipped at
// super-page boundaries), which the extent-count tests pin.
ExtentCounts populate_ram(Domain& domain, const MemoryLayout& layout, const std::function<void()>& check);

}  // namespace hvmtool::build_hvm
