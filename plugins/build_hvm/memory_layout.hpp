#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include <hvmtool/domain.hpp>
#include <hvmtool_common/xen_special_pages.hpp>

namespace hvmtool::build_hvm {

inline constexpr std::uint64_t k4G = 1ull << 32;
inline constexpr std::uint64_t kVgaHoleStart = 0xA0000, kVgaHoleEnd = 0xC0000;
inline constexpr std::uint64_t kHvmInfoPaddr = 0x9F800;
// Xen's special pages and the ioreq server pages below them
// (hvmtool_common/xen_special_pages.hpp); reserved_mem_pgstart is the first.
using common::xen_special::kIoreqServerPfn;
using common::xen_special::kNrIoreqServerPages;
using common::xen_special::kSpecialPfnEnd;
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
