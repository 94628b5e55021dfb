#include "memory_layout.hpp"

#include <algorithm>

#include <hvmtool/error.hpp>

namespace hvmtool::build_hvm {
namespace {

constexpr std::uint64_t k1GPages = 1ull << 18, k2MPages = 1ull << 9;

bool overlaps_mmio_hole(std::uint64_t start, std::uint64_t size, const MemoryLayout& l) {
  return start < k4G && l.mmio_start < start + size;
}

// One vmemrange [cur, end) in pages, the loop of meminit_hvm.
void populate_range(Domain& d, std::uint64_t cur, std::uint64_t end, const MemoryLayout& l, ExtentCounts& n,
                    const std::function<void()>& check) {
  while (end > cur) {
    check();
    std::uint64_t count = std::min(end - cur, k1GPages);
    // Clip to the next 1 GiB boundary (super page tails).
    if ((cur & (k1GPages - 1)) != 0 && count > (-cur & (k1GPages - 1))) count = -cur & (k1GPages - 1);
    if (((count | cur) & (k1GPages - 1)) == 0 && !overlaps_mmio_hole(cur << kPageShift, k1GPages << kPageShift, l)) {
      std::size_t done = d.populate_physmap(cur, count >> 18, 18);
      if (done > 0) {
        n.extents_1g += done;
        cur += std::uint64_t(done) << 18;
        count -= std::uint64_t(done) << 18;
      }
    }
    if (count != 0) {
      count = std::min(count, k2MPages * 4);  // at most 8 MiB per 2 MiB attempt
      if ((cur & (k2MPages - 1)) != 0 && count > (-cur & (k2MPages - 1)))
        count = -cur & (k2MPages - 1);
      else if ((count & (k2MPages - 1)) != 0 && count > k2MPages)
        count &= ~(k2MPages - 1);  // clip the non-superpage tail
      if (((count | cur) & (k2MPages - 1)) == 0) {
        std::size_t done = d.populate_physmap(cur, count >> 9, 9);
        if (done > 0) {
          n.extents_2m += done;
          cur += std::uint64_t(done) << 9;
          count -= std::uint64_t(done) << 9;
        }
      }
    }
    if (count != 0) {
      d.populate_physmap(cur, count, 0);  // all or PlatformError
      n.pages_4k += count;
      cur += count;
    }
  }
}

}  // namespace

MemoryLayout compute_layout(std::uint64_t memory, std::uint64_t mmio_hole) {
  MemoryLayout l;
  l.memory = memory & ~(kPageSize - 1);
  l.mmio_start = k4G - mmio_hole;
  l.low_end = std::min(l.memory, l.mmio_start);
  l.high_bytes = l.memory - l.low_end;
  if (l.low_end < (2ull << 20)) throw Error("build_hvm: memory must be at least 2 MiB");
  return l;
}

ExtentCounts populate_ram(Domain& d, const MemoryLayout& l, const std::function<void()>& check) {
  ExtentCounts n;
  check();
  d.populate_physmap(0, kVgaHoleStart >> kPageShift, 0);
  n.pages_4k += kVgaHoleStart >> kPageShift;
  populate_range(d, kVgaHoleEnd >> kPageShift, l.low_end >> kPageShift, l, n, check);
  if (l.high_bytes) populate_range(d, k4G >> kPageShift, l.high_end() >> kPageShift, l, n, check);
  return n;
}

}  // namespace hvmtool::build_hvm
