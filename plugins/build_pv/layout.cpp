#include "layout.hpp"

#include <algorithm>

#include <hvmtool/error.hpp>
#include <hvmtool_common/xen_special_pages.hpp>

namespace hvmtool::build_pv {

Layout compute_layout(std::uint64_t memory, std::uint64_t mmio_hole, bool xen_special_pages) {
  Layout l;
  l.memory = memory & ~(kPage - 1);
  const std::uint64_t hole = std::clamp<std::uint64_t>(mmio_hole, 256ull << 20, 3ull << 30);
  l.low_end = std::min(l.memory, k4G - hole);
  l.high_bytes = l.memory - l.low_end;
  if (l.low_end < (4ull << 20)) throw Error("build_pv: memory must be at least 4 MiB for a direct kernel boot");
  l.e820.push_back({0, kLowRamEnd, 1});
  l.e820.push_back({kHighMem, l.low_end - kHighMem, 1});
  if (xen_special_pages)
    l.e820.push_back({common::xen_special::kFirstPfn << kPageShift, common::xen_special::kPages << kPageShift, 2});
  if (l.high_bytes) l.e820.push_back({k4G, l.high_bytes, 1});
  return l;
}

}  // namespace hvmtool::build_pv
