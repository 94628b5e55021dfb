#pragma once

#include <cstdint>
#include <functional>

#include <hvmtool/domain.hpp>

namespace hvmtool::common {

struct ExtentCounts {
  std::uint64_t extents_1g = 0, extents_2m = 0, pages_4k = 0;
  std::uint64_t pages() const { return (extents_1g << 18) + (extents_2m << 9) + pages_4k; }
};

// Populates the guest frames [first_pfn, end_pfn) with the largest extents
// that fit: 1 GiB (order 18) where the address is 1 GiB-aligned and a whole
// 1 GiB remains, else 2 MiB (order 9), else 4 KiB pages -- the way Xen's
// meminit builders do. When the platform grants no extent of an order, that
// order is not tried again in this call (hugetlb pool empty) and the range
// falls back to the next smaller one. `check` runs before every platform call
// (cancellation); it may throw. Order-0 failures throw PlatformError.
void populate_ram_range(Domain& domain, std::uint64_t first_pfn, std::uint64_t end_pfn, ExtentCounts& counts,
                        const std::function<void()>& check);

}  // namespace hvmtool::common
