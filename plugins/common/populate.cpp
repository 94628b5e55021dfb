#include "hvmtool_common/populate.hpp"

#include <algorithm>

namespace hvmtool::common {
namespace {

constexpr std::uint64_t k1G = 1ull << 18, k2M = 1ull << 9;      // in 4 KiB pages
constexpr std::uint64_t kMax1GPerCall = 16, kMax2MPerCall = 4;  // keeps `check` responsive
constexpr std::uint64_t kMax4KPerCall = k1G;

std::uint64_t next_boundary(std::uint64_t pfn, std::uint64_t align) { return (pfn | (align - 1)) + 1; }

}  // namespace

void populate_ram_range(Domain& d, std::uint64_t cur, std::uint64_t end, ExtentCounts& n,
                        const std::function<void()>& check) {
  bool try_1g = true, try_2m = true;
  while (cur < end) {
    if (check) check();
    const std::uint64_t left = end - cur;
    if (try_1g && (cur & (k1G - 1)) == 0 && left >= k1G) {
      const std::uint64_t want = std::min(left / k1G, kMax1GPerCall);
      const std::uint64_t got = d.populate_physmap(cur, want, 18);
      n.extents_1g += got;
      cur += got * k1G;
      if (got == 0) try_1g = false;
      continue;
    }
    // Up to where a 1 GiB extent could start again (if still worth trying).
    std::uint64_t limit = end;
    if (try_1g) limit = std::min(limit, next_boundary(cur, k1G));
    if (try_2m && (cur & (k2M - 1)) == 0 && limit - cur >= k2M) {
      const std::uint64_t want = std::min((limit - cur) / k2M, kMax2MPerCall);
      const std::uint64_t got = d.populate_physmap(cur, want, 9);
      n.extents_2m += got;
      cur += got * k2M;
      if (got == 0) try_2m = false;
      continue;
    }
    if (try_2m) limit = std::min(limit, next_boundary(cur, k2M));
    const std::uint64_t count = std::min(limit - cur, kMax4KPerCall);
    d.populate_physmap(cur, count, 0);  // all of it, or PlatformError
    n.pages_4k += count;
    cur += count;
  }
}

}  // namespace hvmtool::common
