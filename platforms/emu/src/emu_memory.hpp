#pragma once

// Guest-physical memory of an emu domain: one PROT_NONE, MAP_NORESERVE host
// range (the window) covers [0, 4 GiB + max memory), reserved at the first
// populate. Populating maps private anonymous memory into it at window + gpa
// (MAP_FIXED), so every host view of guest RAM (Domain::map, each vCPU's
// engine) is the same bytes.
//
// Extent orders 18 and 9 return 0 extents: there are no huge pages to offer a
// software CPU (the builders fall back to 4 KiB, and their extent counts stay
// true). Order 0 populates everything or throws PlatformError. Every populate
// bumps a generation number, so that vCPUs notice new RAM and map it into
// their engines. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "emu_engine.hpp"
#include "hvmtool/domain.hpp"

namespace hvmtool::emu {

class EmuMemory {
 public:
  explicit EmuMemory(std::uint64_t max_memory) : max_memory_(max_memory) {}
  ~EmuMemory() { release(); }
  EmuMemory(const EmuMemory&) = delete;
  EmuMemory& operator=(const EmuMemory&) = delete;

  void set_max_memory(std::uint64_t bytes);
  std::uint64_t max_memory() const;

  std::size_t populate(std::uint64_t first_gpfn, std::size_t nr_extents, unsigned order);
  PopulateStats stats() const;

  // Host address of [gpa, gpa+len); throws PlatformError unless all populated.
  std::byte* host(std::uint64_t gpa, std::size_t len) const;

  // The populated RAM as maximal contiguous ranges, and the generation they
  // belong to.
  std::vector<GpaRange> ram(std::uint64_t* generation = nullptr) const;
  std::uint64_t generation() const;
  std::byte* window() const;

  // Unmaps everything; no engine may still map the RAM.
  void release() noexcept;

 private:
  bool populated_locked(std::uint64_t gpa, std::uint64_t len) const;

  mutable std::mutex mu_;
  std::uint64_t max_memory_;
  std::byte* window_ = nullptr;
  std::uint64_t window_size_ = 0;
  std::map<std::uint64_t, std::uint64_t> runs_;  // first page -> pages
  std::uint64_t populated_bytes_ = 0;
  std::uint64_t generation_ = 0;
  PopulateStats stats_;
};

}  // namespace hvmtool::emu
