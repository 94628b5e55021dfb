#pragma once

// Xen's special pages: the frames just below 0xFF000 where the toolstack
// puts an HVM or PVH guest's store and console rings, its ioreq pages and
// the identity page table, and the HVM params that tell Xen and the guest
// where each one is (libxenguest's alloc_magic_pages_hvm lays them out the
// same way: special_pfn(x) = 0xFF000 - 8 + x, ioreq server pages below).
// A guest finds its console (hvc0) and xenstore through these params.

#include <cstdint>

#include <hvmtool/domain.hpp>

namespace hvmtool::common::xen_special {

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
// ioreq server pages directly below them; hvm_info's reserved_mem_pgstart.
inline constexpr std::uint64_t kNrIoreqServerPages = 8;
inline constexpr std::uint64_t kIoreqServerPfn = kSpecialPfnStart - kNrIoreqServerPages;  // 0xFEFF0
inline constexpr std::uint64_t kFirstPfn = kIoreqServerPfn;
inline constexpr std::uint64_t kPages = kNrIoreqServerPages + kNrSpecialPages;

// Backs the region with 4 KiB pages. Returns the pages populated.
std::uint64_t populate(Domain& domain);

// Zeroes the region, writes the identity page table (4 MiB PSE entries,
// which Xen uses for a guest running unpaged on HAP-less hardware) and sets
// the HVM params naming each page.
void publish(Domain& domain);

}  // namespace hvmtool::common::xen_special
