#include "emu_memory.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include "emu_x86.hpp"
#include "hvmtool/error.hpp"

namespace hvmtool::emu {

namespace {
constexpr std::uint64_t k1G = 1ull << 30;
std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }
[[noreturn]] void fail(const std::string& what, int err) {
  throw PlatformError("emu: " + what + ": " + std::strerror(err));
}
}  // namespace

void EmuMemory::set_max_memory(std::uint64_t bytes) {
  std::lock_guard lk(mu_);
  if (bytes < populated_bytes_)
    throw PlatformError("emu: max memory " + std::to_string(bytes >> 20) + " MiB is below the " +
                        std::to_string(populated_bytes_ >> 20) + " MiB already populated");
  if (window_ && align_up(k4G + bytes, k1G) > window_size_) {
    if (!runs_.empty())
      throw PlatformError("emu: max memory cannot grow beyond " + std::to_string((window_size_ - k4G) >> 20) +
                          " MiB once memory is populated");
    ::munmap(window_, window_size_);  // reserved again, larger, at the next populate
    window_ = nullptr;
    window_size_ = 0;
  }
  max_memory_ = bytes;
}

std::uint64_t EmuMemory::max_memory() const {
  std::lock_guard lk(mu_);
  return max_memory_;
}

bool EmuMemory::populated_locked(std::uint64_t gpa, std::uint64_t len) const {
  if (len == 0) return true;
  if (!window_ || gpa >= window_size_ || len > window_size_ - gpa) return false;
  std::uint64_t page = gpa >> 12;
  const std::uint64_t end_page = (gpa + len + 4095) >> 12;
  auto it = runs_.upper_bound(page);
  if (it == runs_.begin()) return false;
  --it;
  while (page < end_page) {
    if (it == runs_.end() || it->first > page || it->first + it->second <= page) return false;
    page = it->first + it->second;
    ++it;
  }
  return true;
}

std::byte* EmuMemory::host(std::uint64_t gpa, std::size_t len) const {
  std::lock_guard lk(mu_);
  if (!populated_locked(gpa, len))
    throw PlatformError("emu: guest range [" + hex(gpa) + ", " + hex(gpa + len) + ") is not populated RAM");
  return window_ + gpa;
}

std::size_t EmuMemory::populate(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order) {
  if (order != 0 && order != 9 && order != 18)
    throw PlatformError("emu: extent order " + std::to_string(order) + " is not supported (0, 9 or 18)");
  if (order != 0 || nr_extents == 0) return 0;  // no huge pages: the caller falls back to 4 KiB
  std::lock_guard lk(mu_);
  if (max_memory_ == 0) throw PlatformError("emu: populate_physmap before max memory was set");
  if (!window_) {
    const std::uint64_t size = align_up(k4G + max_memory_, k1G);
    void* p = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) fail("reserving " + std::to_string(size >> 20) + " MiB of host address space", errno);
    window_ = static_cast<std::byte*>(p);
    window_size_ = size;
  }
  const std::uint64_t window_pages = window_size_ >> 12;
  if (first_gpfn >= window_pages || nr_extents > window_pages - first_gpfn)
    throw PlatformError("emu: populate_physmap: [" + hex(first_gpfn << 12) + ", +" + std::to_string(nr_extents * 4) +
                        " KiB) is outside the domain's " + std::to_string(window_size_ >> 20) +
                        " MiB guest-physical window (4 GiB + max memory)");
  auto next = runs_.lower_bound(first_gpfn + nr_extents);
  if (next != runs_.begin() && std::prev(next)->first + std::prev(next)->second > first_gpfn)
    throw PlatformError("emu: populate_physmap: [" + hex(first_gpfn << 12) + ", " +
                        hex((first_gpfn + nr_extents) << 12) + ") is already partly populated");
  const std::uint64_t len = nr_extents << 12;
  if (len > max_memory_ - populated_bytes_)
    throw PlatformError("emu: populate_physmap: " + std::to_string(len >> 10) +
                        " KiB would exceed the domain's max memory (" + std::to_string(max_memory_ >> 20) + " MiB, " +
                        std::to_string(populated_bytes_ >> 10) + " KiB populated)");
  std::byte* target = window_ + (first_gpfn << 12);
  if (::mmap(target, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
    const int err = errno;
    ::mmap(target, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);  // the guard back
    fail("mapping " + std::to_string(len >> 10) + " KiB of guest RAM at " + hex(first_gpfn << 12), err);
  }
  ::madvise(target, len, MADV_DONTFORK);
  runs_[first_gpfn] = nr_extents;
  populated_bytes_ += len;
  stats_.pages_4k += nr_extents;
  ++generation_;
  return nr_extents;
}

PopulateStats EmuMemory::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

std::vector<GpaRange> EmuMemory::ram(std::uint64_t* generation) const {
  std::lock_guard lk(mu_);
  std::vector<GpaRange> out;
  for (const auto& [first, pages] : runs_) {
    if (!out.empty() && out.back().end() == first << 12)
      out.back().len += pages << 12;
    else
      out.push_back({first << 12, pages << 12});
  }
  if (generation) *generation = generation_;
  return out;
}

std::uint64_t EmuMemory::generation() const {
  std::lock_guard lk(mu_);
  return generation_;
}

std::byte* EmuMemory::window() const {
  std::lock_guard lk(mu_);
  return window_;
}

void EmuMemory::release() noexcept {
  std::lock_guard lk(mu_);
  if (window_) ::munmap(window_, window_size_);  // the guard and every populated run
  window_ = nullptr;
  window_size_ = 0;
  runs_.clear();
  populated_bytes_ = 0;
}

}  // namespace hvmtool::emu
