#include "kvm_guest_memory.hpp"

#include <linux/kvm.h>
#include <linux/mman.h>
#include <sys/mman.h>

#include <cerrno>
#include <sstream>

#include "kvm_host.hpp"
#include "hvmtool/error.hpp"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif

namespace hvmtool::kvm {

namespace {

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

}  // namespace

GuestMemory::GuestMemory(int vm_fd, int nr_memslots, std::uint64_t max_memory)
    : vm_fd_(vm_fd), nr_memslots_(nr_memslots), max_memory_(max_memory) {}

GuestMemory::~GuestMemory() { release(); }

void GuestMemory::reserve_locked(std::uint64_t max_memory) {
  const std::uint64_t size = align_up(k4G + max_memory, k1G);
  if (window_ && window_.size() >= size) return;
  // Over-allocate by 1 GiB, then trim to a 1 GiB aligned window so that
  // 1 GiB hugetlb pages can be placed at window + gpa.
  const std::uint64_t span = size + k1G;
  void* p = ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw_errno("reserving " + std::to_string(size >> 20) + " MiB of host address space");
  auto start = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t aligned = align_up(start, k1G);
  if (aligned > start) ::munmap(p, aligned - start);
  std::uintptr_t end = start + span;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  window_ = Mapping(reinterpret_cast<void*>(aligned), size);
}

void GuestMemory::set_max_memory(std::uint64_t bytes) {
  std::lock_guard lk(mu_);
  if (bytes < populated_bytes_)
    throw PlatformError("kvm: max memory " + std::to_string(bytes >> 20) + " MiB is below the " +
                        std::to_string(populated_bytes_ >> 20) + " MiB already populated");
  if (window_ && align_up(k4G + bytes, k1G) > window_.size()) {
    if (!runs_.empty())
      throw PlatformError("kvm: max memory cannot grow beyond " + std::to_string((window_.size() - k4G) >> 20) +
                          " MiB once memory is populated");
    window_.reset();  // re-reserved, larger, at the next populate
  }
  max_memory_ = bytes;
}

std::uint64_t GuestMemory::max_memory() const {
  std::lock_guard lk(mu_);
  return max_memory_;
}

bool GuestMemory::overlaps_locked(std::uint64_t first_page, std::uint64_t pages) const {
  auto it = runs_.lower_bound(first_page + pages);  // first run starting at/after the end
  if (it == runs_.begin()) return false;
  --it;  // last run starting before the end
  return it->first + it->second.pages > first_page;
}

bool GuestMemory::populated_locked(std::uint64_t gpa, std::uint64_t len) const {
  if (len == 0) return true;
  if (!window_ || gpa >= window_.size() || len > window_.size() - gpa) return false;
  std::uint64_t page = gpa >> 12;
  const std::uint64_t end_page = (gpa + len + 4095) >> 12;
  auto it = runs_.upper_bound(page);
  if (it == runs_.begin()) return false;
  --it;
  while (page < end_page) {
    if (it == runs_.end() || it->first > page || it->first + it->second.pages <= page) return false;
    page = it->first + it->second.pages;
    ++it;
  }
  return true;
}

bool GuestMemory::populated(std::uint64_t gpa, std::size_t len) const {
  std::lock_guard lk(mu_);
  return populated_locked(gpa, len);
}

std::byte* GuestMemory::host(std::uint64_t gpa, std::size_t len) const {
  std::lock_guard lk(mu_);
  if (!populated_locked(gpa, len))
    throw PlatformError("kvm: guest range [" + hex(gpa) + ", " + hex(gpa + len) + ") is not populated RAM");
  return window_.bytes() + gpa;
}

void GuestMemory::restore_guard_locked(std::uint64_t gpa, std::uint64_t len) noexcept {
  // Put PROT_NONE back where a mapping attempt may have left a hole. NOREPLACE:
  // if the old guard is still there (or, in a pathological race, someone else
  // took the hole) nothing of anyone else's is clobbered.
  ::mmap(window_.bytes() + gpa, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1,
         0);
}

bool GuestMemory::map_huge_locked(std::uint64_t gpa, std::uint64_t len, int huge_flag) {
  // Probe: a hugetlb mmap reserves its pages up front, so it fails (ENOMEM)
  // right here when the pool is short. Mapping it elsewhere first and then
  // moving it over the guard means a failure never opens a hole in the window.
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | huge_flag, -1, 0);
  if (p == MAP_FAILED) return false;
  void* target = window_.bytes() + gpa;
  void* q = ::mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
  if (q == MAP_FAILED) {
    ::munmap(p, len);
    restore_guard_locked(gpa, len);
    return false;
  }
  ::madvise(target, len, MADV_DONTFORK);
  return true;
}

void GuestMemory::map_small_locked(std::uint64_t gpa, std::uint64_t len) {
  void* target = window_.bytes() + gpa;
  void* p = ::mmap(target, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    restore_guard_locked(gpa, len);
    throw_errno("mapping " + std::to_string(len >> 10) + " KiB of guest RAM at " + hex(gpa), err);
  }
  ::madvise(target, len, MADV_DONTFORK);
}

std::uint32_t GuestMemory::take_slot_id_locked() {
  if (!free_slot_ids_.empty()) {
    auto id = free_slot_ids_.back();
    free_slot_ids_.pop_back();
    return id;
  }
  if (next_slot_id_ >= static_cast<std::uint32_t>(nr_memslots_))
    throw PlatformError("kvm: out of memory slots (" + std::to_string(nr_memslots_) +
                        "): too many separate guest RAM ranges");
  return next_slot_id_++;
}

void GuestMemory::set_slot(std::uint32_t id, std::uint64_t gpa, std::uint64_t size) {
  kvm_userspace_memory_region r{};
  r.slot = id;
  r.flags = 0;
  r.guest_phys_addr = gpa;
  r.memory_size = size;
  r.userspace_addr = reinterpret_cast<std::uint64_t>(window_.bytes() + gpa);
  if (xioctl(vm_fd_, KVM_SET_USER_MEMORY_REGION, &r) < 0)
    throw_errno("KVM_SET_USER_MEMORY_REGION slot " + std::to_string(id) + " [" + hex(gpa) + ", " + hex(gpa + size) +
                ")");
}

void GuestMemory::add_slot_locked(std::uint64_t gpa, std::uint64_t len) {
  std::uint32_t id = take_slot_id_locked();
  try {
    set_slot(id, gpa, len);
  } catch (...) {
    free_slot_ids_.push_back(id);
    throw;
  }
  slots_[gpa] = Slot{id, len};
}

void GuestMemory::commit_slots() {
  std::lock_guard lk(mu_);
  commit_slots_locked();
}

void GuestMemory::commit_slots_locked() {
  if (!uncommitted_) return;
  // Maximal contiguous runs of populated RAM, in pages.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [first, run] : runs_) {
    if (!ranges.empty() && ranges.back().second == first)
      ranges.back().second = first + run.pages;
    else
      ranges.emplace_back(first, first + run.pages);
  }
  for (const auto& [first, end] : ranges) {
    const std::uint64_t gpa = first << 12, len = (end - first) << 12;
    auto it = slots_.find(gpa);
    if (it != slots_.end() && it->second.size == len) continue;  // already exactly this slot
    // Slots inside the range (registered earlier, or while vCPUs ran) are
    // replaced by one: KVM cannot resize a slot in place.
    std::vector<std::pair<std::uint64_t, Slot>> old;
    for (auto s = slots_.lower_bound(gpa); s != slots_.end() && s->first < gpa + len; ++s) old.emplace_back(*s);
    for (const auto& [g, sl] : old) {
      set_slot(sl.id, g, 0);
      slots_.erase(g);
      free_slot_ids_.push_back(sl.id);
    }
    add_slot_locked(gpa, len);
  }
  uncommitted_ = false;
}

std::size_t GuestMemory::populate(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order,
                                  bool vcpus_running) {
  if (order != 0 && order != 9 && order != 18)
    throw PlatformError("kvm: extent order " + std::to_string(order) + " is not supported (0, 9 or 18)");
  if (nr_extents == 0) return 0;
  std::lock_guard lk(mu_);
  if (max_memory_ == 0) throw PlatformError("kvm: populate_physmap before max memory was set");
  reserve_locked(max_memory_);

  const std::uint64_t extent_pages = 1ull << order;
  const std::uint64_t extent_bytes = extent_pages << 12;
  if (first_gpfn & (extent_pages - 1))
    throw PlatformError("kvm: populate_physmap: gpfn " + hex(first_gpfn) + " is not aligned to extent order " +
                        std::to_string(order));
  const std::uint64_t window_pages = window_.size() >> 12;
  if (first_gpfn >= window_pages || nr_extents > (window_pages - first_gpfn) / extent_pages)
    throw PlatformError("kvm: populate_physmap: [" + hex(first_gpfn << 12) + ", +" +
                        std::to_string((nr_extents * extent_bytes) >> 10) + " KiB) is outside the domain's " +
                        std::to_string(window_.size() >> 20) + " MiB guest-physical window (4 GiB + max memory)");
  if (overlaps_locked(first_gpfn, nr_extents * extent_pages))
    throw PlatformError("kvm: populate_physmap: [" + hex(first_gpfn << 12) + ", " +
                        hex((first_gpfn + nr_extents * extent_pages) << 12) + ") is already partly populated");

  std::size_t n = nr_extents;
  const std::uint64_t room = max_memory_ - populated_bytes_;
  if (n * extent_bytes > room) {
    if (order == 0)
      throw PlatformError("kvm: populate_physmap: " + std::to_string((n * extent_bytes) >> 10) +
                          " KiB would exceed the domain's max memory (" + std::to_string(max_memory_ >> 20) + " MiB, " +
                          std::to_string(populated_bytes_ >> 10) + " KiB populated)");
    n = room / extent_bytes;
    if (n == 0) return 0;
  }

  const std::uint64_t gpa = first_gpfn << 12;
  Kind kind = order == 18 ? Kind::huge_1g : order == 9 ? Kind::huge_2m : Kind::small;
  std::size_t done = 0;
  if (kind == Kind::small) {
    map_small_locked(gpa, n * extent_bytes);
    done = n;
  } else {
    const int flag = kind == Kind::huge_1g ? MAP_HUGE_1GB : MAP_HUGE_2MB;
    if (map_huge_locked(gpa, n * extent_bytes, flag)) {
      done = n;
    } else {
      // Not enough for all of it: take what the pool has, one extent at a time.
      while (done < n && map_huge_locked(gpa + done * extent_bytes, extent_bytes, flag)) ++done;
    }
    if (done == 0) return 0;
  }

  const std::uint64_t len = done * extent_bytes;
  if (vcpus_running) {
    try {
      add_slot_locked(gpa, len);
    } catch (...) {
      ::mmap(window_.bytes() + gpa, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
      throw;
    }
  } else {
    uncommitted_ = true;
  }
  runs_[first_gpfn] = Run{done * extent_pages, kind};
  populated_bytes_ += len;
  switch (kind) {
    case Kind::huge_1g:
      stats_.extents_1g += done;
      break;
    case Kind::huge_2m:
      stats_.extents_2m += done;
      break;
    case Kind::small:
      stats_.pages_4k += done;
      break;
  }
  return done;
}

PopulateStats GuestMemory::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

std::uint64_t GuestMemory::populated_bytes() const {
  std::lock_guard lk(mu_);
  return populated_bytes_;
}

std::size_t GuestMemory::slot_count() const {
  std::lock_guard lk(mu_);
  return slots_.size();
}

std::uint64_t GuestMemory::window_size() const {
  std::lock_guard lk(mu_);
  return window_.size();
}

void GuestMemory::release() noexcept {
  std::lock_guard lk(mu_);
  window_.reset();  // one munmap covers the guard and every populated run
  runs_.clear();
  slots_.clear();
  free_slot_ids_.clear();
  next_slot_id_ = 0;
  uncommitted_ = false;
  populated_bytes_ = 0;
}

}  // namespace hvmtool::kvm
