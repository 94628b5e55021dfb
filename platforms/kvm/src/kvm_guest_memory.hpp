#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "hvmtool/domain.hpp"
#include "kvm_host.hpp"

namespace hvmtool::kvm {

// Guest-physical memory of one VM.
//
// One PROT_NONE, MAP_NORESERVE host range (the "window", 1 GiB aligned) covers
// every guest-physical address the domain may use: [0, 4 GiB + max memory),
// rounded up to 1 GiB. populate() maps RAM into it with MAP_FIXED at
// window + gpa, so host address = window + gpa for all of RAM and map() is a
// bounds/populated check. Populated RAM reaches KVM as
// KVM_SET_USER_MEMORY_REGION slots, one per maximal contiguous run, registered
// lazily by commit_slots() (before vCPUs run: each slot update costs about a
// millisecond on some hosts, so a builder's many small populate calls must not
// each cost one). While vCPUs run, populate() registers a slot at once.
//
//   order 18 -> MAP_HUGETLB|MAP_HUGE_1GB   (0 extents if the kernel has none)
//   order  9 -> MAP_HUGETLB|MAP_HUGE_2MB   (0 extents if the kernel has none)
//   order  0 -> MAP_SHARED|MAP_ANONYMOUS   (all or PlatformError)
//
// Thread-safe.
class GuestMemory {
 public:
  static constexpr std::uint64_t k1G = 1ull << 30;
  static constexpr std::uint64_t k2M = 1ull << 21;
  static constexpr std::uint64_t k4G = 1ull << 32;

  GuestMemory(int vm_fd, int nr_memslots, std::uint64_t max_memory);
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  // The domain's memory limit (Xen's max_pages). Grows the window while
  // nothing is populated; afterwards it can only grow inside the window.
  void set_max_memory(std::uint64_t bytes);
  std::uint64_t max_memory() const;

  // `vcpus_running`: register the new RAM with KVM now, as a slot of its own
  // (no existing slot is deleted/re-added under a running guest). Otherwise
  // registration waits for commit_slots().
  std::size_t populate(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order, bool vcpus_running);
  // Registers all populated RAM with KVM, one slot per contiguous run
  // (merging slots added earlier). Call with no vCPU running.
  void commit_slots();
  PopulateStats stats() const;
  std::uint64_t populated_bytes() const;
  std::size_t slot_count() const;
  std::uint64_t window_size() const;

  // Host address of [gpa, gpa+len); throws PlatformError unless all populated.
  std::byte* host(std::uint64_t gpa, std::size_t len) const;
  bool populated(std::uint64_t gpa, std::size_t len) const;

  // Unmaps everything. The VM fd must be closed (or the slots deleted) first.
  void release() noexcept;

 private:
  enum class Kind { small, huge_2m, huge_1g };
  struct Run {
    std::uint64_t pages;  // 4 KiB pages
    Kind kind;
  };
  struct Slot {
    std::uint32_t id;
    std::uint64_t size;
  };

  void reserve_locked(std::uint64_t max_memory);
  bool overlaps_locked(std::uint64_t first_page, std::uint64_t pages) const;
  bool populated_locked(std::uint64_t gpa, std::uint64_t len) const;
  bool map_huge_locked(std::uint64_t gpa, std::uint64_t len, int huge_flag);
  void map_small_locked(std::uint64_t gpa, std::uint64_t len);
  void restore_guard_locked(std::uint64_t gpa, std::uint64_t len) noexcept;
  void add_slot_locked(std::uint64_t gpa, std::uint64_t len);
  void commit_slots_locked();
  void set_slot(std::uint32_t id, std::uint64_t gpa, std::uint64_t size);
  std::uint32_t take_slot_id_locked();

  mutable std::mutex mu_;
  int vm_fd_;
  int nr_memslots_;
  std::uint64_t max_memory_;
  Mapping window_;
  std::map<std::uint64_t, Run> runs_;    // first 4 KiB page -> run
  std::map<std::uint64_t, Slot> slots_;  // first gpa -> KVM memslot
  std::vector<std::uint32_t> free_slot_ids_;
  std::uint32_t next_slot_id_ = 0;
  bool uncommitted_ = false;  // populated RAM not in a slot yet
  std::uint64_t populated_bytes_ = 0;
  PopulateStats stats_;
};

}  // namespace hvmtool::kvm
