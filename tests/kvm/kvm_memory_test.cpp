// populate_physmap on kvm: layout, accounting, errors, and the 1G/2M/4K
// extent orders with and without hugetlb pages reserved.

#define BOOST_TEST_MODULE kvm_memory
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

#include "hvmtool/error.hpp"
#include "kvm_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::kvm;
using namespace hvmtool::kvm::test;
using namespace std::chrono_literals;

namespace {

const char* const k2MPool = "/proc/sys/vm/nr_hugepages";
const char* const k1GPool = "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
const char* const k2MFree = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
const char* const k1GFree = "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages";

std::optional<long> read_long(const char* path) {
  std::ifstream in(path);
  long v;
  if (in >> v) return v;
  return std::nullopt;
}

bool write_long(const char* path, long v) {
  std::ofstream out(path);
  out << v;
  out.flush();
  return static_cast<bool>(out);
}

// Reserves `pages` more hugetlb pages in a pool and gives them back when it
// dies, whatever happens in between.
class HugepageReservation {
 public:
  HugepageReservation(const char* pool, const char* free_file, long pages) : pool_(pool) {
    auto old = read_long(pool);
    auto free_now = read_long(free_file);
    if (!old || !free_now) {
      why_ = std::string("cannot read ") + pool;
      return;
    }
    old_ = *old;
    if (!write_long(pool, *old + pages)) {
      why_ = std::string("cannot write ") + pool + " (not root?)";
      return;
    }
    touched_ = true;
    auto after = read_long(free_file).value_or(0);
    if (after < *free_now + pages) {
      why_ = std::string(pool) + ": asked for " + std::to_string(pages) + " more pages, the kernel found " +
             std::to_string(after - *free_now);
      return;
    }
    ok_ = true;
  }
  ~HugepageReservation() {
    if (touched_) write_long(pool_, old_);
  }
  HugepageReservation(const HugepageReservation&) = delete;
  HugepageReservation& operator=(const HugepageReservation&) = delete;

  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }

 private:
  const char* pool_;
  long old_ = 0;
  bool touched_ = false;
  bool ok_ = false;
  std::string why_;
};

std::unique_ptr<Domain> bare_domain(Env& env, const std::string& name, std::uint64_t memory) {
  DomainCreateInfo info;
  info.name = name;
  info.max_memory = memory;
  info.console = env.console.sink();
  return env.platform->create_domain(info);
}

}  // namespace

BOOST_AUTO_TEST_CASE(populate_sizes_add_up) {
  Env env;
  auto d = bare_domain(env, "sizes", 64ull << 20);
  BOOST_TEST(d->populate_physmap(0, 0xA0, 0) == 0xA0u);
  BOOST_TEST(d->populate_physmap(0xC0, 0x140, 0) == 0x140u);   // up to 2 MiB
  BOOST_TEST(d->populate_physmap(0x200, 0x200, 0) == 0x200u);  // 2-4 MiB, adjacent: merged
  auto s = d->populate_stats();
  BOOST_TEST(s.extents_1g == 0u);
  BOOST_TEST(s.extents_2m == 0u);
  BOOST_TEST(s.pages_4k == 0xA0u + 0x140u + 0x200u);
  BOOST_TEST(impl(*d).memslots() == 2u);  // below and above the VGA hole
  // A map spanning two populate calls is one contiguous span.
  auto m = d->map(0x100000, 0x200000);
  BOOST_TEST(m.size() == 0x200000u);
  std::memset(m.data(), 0x5A, m.size());
  BOOST_TEST(static_cast<int>(d->map(0x2FF000, 1).data()[0]) == 0x5A);
  // Fresh memory reads zero.
  BOOST_TEST(static_cast<int>(d->map(0x1000, 1).data()[0]) == 0);
}

BOOST_AUTO_TEST_CASE(populate_errors) {
  Env env;
  auto d = bare_domain(env, "errors", 16ull << 20);
  d->populate_physmap(0x100, 0x100, 0);
  BOOST_CHECK_THROW(d->populate_physmap(0x1FF, 2, 0), PlatformError);       // overlaps (twice populated)
  BOOST_CHECK_THROW(d->populate_physmap(0x100, 1, 0), PlatformError);       // the very same gpfn
  BOOST_CHECK_THROW(d->populate_physmap(0x101, 1, 9), PlatformError);       // unaligned 2 MiB extent
  BOOST_CHECK_THROW(d->populate_physmap(0, 1, 5), PlatformError);           // unsupported order
  BOOST_CHECK_THROW(d->populate_physmap(0x200, 0x1000, 0), PlatformError);  // exceeds max memory (16 MiB)
  // Above 4 GiB + max memory there is nothing to populate.
  BOOST_CHECK_THROW(d->populate_physmap((4ull << 30 >> 12) + (1ull << 30 >> 12), 1, 0), PlatformError);
  // High memory right above 4 GiB is fine.
  BOOST_TEST(d->populate_physmap(4ull << 30 >> 12, 0x100, 0) == 0x100u);
  BOOST_CHECK_NO_THROW(d->map(4ull << 30, 0x100000));
  BOOST_CHECK_THROW(d->set_max_memory(1ull << 20), PlatformError);  // below what is populated
  BOOST_TEST(d->populate_stats().pages_4k == 0x200u);
}

BOOST_AUTO_TEST_CASE(huge_orders_fall_back_without_hugepages) {
  Env env;
  auto d = bare_domain(env, "nohuge", 4ull << 30);
  const auto free2m = read_long(k2MFree).value_or(0), free1g = read_long(k1GFree).value_or(0);
  if (free2m == 0) {
    BOOST_TEST(d->populate_physmap(0x200, 4, 9) == 0u);
  } else {
    BOOST_TEST_MESSAGE("SKIP part: " << free2m << " 2 MiB pages are free on this host; no fallback to see");
  }
  if (free1g == 0) {
    BOOST_TEST(d->populate_physmap(0x40000, 1, 18) == 0u);
  } else {
    BOOST_TEST_MESSAGE("SKIP part: " << free1g << " 1 GiB pages are free on this host; no fallback to see");
  }
  // The caller falls back to 4 KiB pages for the same range: nothing was left behind.
  BOOST_TEST(d->populate_physmap(0x200, 4 * 512, 0) == 4u * 512u);
  auto s = d->populate_stats();
  BOOST_TEST(s.extents_2m == 0u);
  BOOST_TEST(s.extents_1g == 0u);
  BOOST_TEST(s.pages_4k == 2048u);
}

BOOST_AUTO_TEST_CASE(order_9_with_reserved_2m_pages) {
  HugepageReservation r(k2MPool, k2MFree, 4);
  if (!r.ok()) {
    BOOST_TEST_MESSAGE("SKIP: 2 MiB hugepages could not be reserved: " << r.why());
    return;
  }
  Env env;
  auto d = bare_domain(env, "huge2m", 32ull << 20);
  d->populate_physmap(0, 0xA0, 0);  // 4K pages below 16 MiB...
  d->populate_physmap(0xC0, 0x1000 - 0xC0, 0);
  // ...and 4 x 2 MiB at 16 MiB; asking for 6 gets the 4 the pool has.
  BOOST_TEST(d->populate_physmap(0x1000, 6, 9) == 4u);
  auto s = d->populate_stats();
  BOOST_TEST(s.extents_2m == 4u);
  BOOST_TEST(d->populate_physmap(0x1800, 1, 9) == 0u);      // the pool is empty now
  BOOST_TEST(d->populate_physmap(0x1800, 512, 0) == 512u);  // fallback to 4 KiB
  // The guest writes every page of the hugepage range; the host sees it.
  start_multi32(*d, 11, 0x1000000, 4 * 512);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "memcheck ok\n");
  auto m = d->map(0x1000000 + 0x7FF000, 4);
  std::uint32_t v;
  std::memcpy(&v, m.data(), 4);
  BOOST_TEST(v == 0x17FF000u);
}

BOOST_AUTO_TEST_CASE(order_18_with_a_reserved_1g_page) {
  HugepageReservation r(k1GPool, k1GFree, 1);
  if (!r.ok()) {
    BOOST_TEST_MESSAGE("SKIP: a 1 GiB hugepage could not be reserved: " << r.why());
    return;
  }
  Env env;
  // The window is sized from max memory at the first populate: set it first.
  auto d = bare_domain(env, "huge1g", (1ull << 30) + (16ull << 20));
  d->populate_physmap(0, 0xA0, 0);
  d->populate_physmap(0xC0, 0x1000 - 0xC0, 0);
  BOOST_TEST(d->populate_physmap(0x40000, 2, 18) == 1u);  // 1 GiB at 1 GiB, the one page there is
  BOOST_TEST(d->populate_stats().extents_1g == 1u);
  start_multi32(*d, 11, 0x40000000, 64);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  BOOST_TEST(env.console.text(ConsoleChannel::debug) == "memcheck ok\n");
  auto m = d->map((1ull << 30) + 63 * 4096, 4);
  std::uint32_t v;
  std::memcpy(&v, m.data(), 4);
  BOOST_TEST(v == 0x4003F000u);
}

BOOST_AUTO_TEST_CASE(xen_style_fallback_loop) {
  // What the HVM builder does: try 1G, then 2M, then 4K for each chunk.
  Env env;
  auto d = bare_domain(env, "fallback", 1ull << 30);
  std::uint64_t gpfn = 0, left = (1ull << 30) >> 12;
  while (left) {
    std::size_t n = 0;
    if (left >= (1u << 18) && !(gpfn & ((1u << 18) - 1))) n = d->populate_physmap(gpfn, 1, 18) << 18;
    if (!n && left >= 512 && !(gpfn & 511)) n = d->populate_physmap(gpfn, left >> 9, 9) << 9;
    if (!n) n = d->populate_physmap(gpfn, std::min<std::uint64_t>(left, 512), 0);
    gpfn += n;
    left -= n;
  }
  auto s = d->populate_stats();
  BOOST_TEST(s.extents_1g * (1u << 18) + s.extents_2m * 512u + s.pages_4k == (1ull << 30) >> 12);
  BOOST_TEST_MESSAGE("1 GiB populated as " << s.extents_1g << " x 1G, " << s.extents_2m << " x 2M, " << s.pages_4k
                                           << " x 4K in " << impl(*d).memslots() << " memslot(s)");
  BOOST_TEST(impl(*d).memslots() == 1u);  // adjacent runs merged
}

HVMTOOL_KVM_TEST_MAIN(true)
