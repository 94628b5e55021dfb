#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hvmtool/domain.hpp"

namespace hvmtool {

using Uuid = std::array<std::uint8_t, 16>;

// Guest-physical [start, start + size).
struct GuestRange {
  std::uint64_t start = 0;
  std::uint64_t size = 0;
  std::uint64_t end() const { return start + size; }
  bool operator==(const GuestRange&) const = default;
};

// A ring page shared with a backend (xenstored, xenconsoled, or the kvm and
// emu platforms' embedded store): where it is and which event channel
// signals it.
struct SharedRing {
  // A guest frame number (HVM, PVH) or, for a Xen PV guest, a machine frame.
  std::optional<std::uint64_t> frame;
  // Unset: the platform supplies its own (the xen platform allocates the
  // store and console ports when it creates the domain).
  std::optional<std::uint32_t> port;
};

// How vCPU 0 enters the guest.
enum class EntryKind : std::uint8_t {
  hvm_start_info,  // flat 32-bit, paging off, EBX = hvm_start_info (hvmloader, a PVH kernel)
  legacy_jmp,      // JMP rel32 at guest address 0 (hvmloader before Xen 4.7)
  linux64,         // Linux's 64-bit boot protocol: long mode, RSI = the zero page
  xen_pv,          // a Xen PV guest built by xc_dom_*, entered through its own start_info
};

// What a builder populated, by page size (the 1G -> 2M -> 4K fallback).
struct PopulatedMemory {
  PopulateStats ram;
  // 4 KiB pages outside guest RAM: the special pages (xenstore and console
  // rings, ioreq, identity page table...) and ioreq-server pages.
  std::uint64_t special_pages = 0;
};

// A blob a builder placed in guest memory and named to the guest (a module
// of hvm_start_info).
struct PlacedModule {
  std::string name;
  GuestRange where;
};

// What the domain-building stages hand each other, after libxl's
// libxl__domain_build_state: make writes the uuid, a builder writes what it
// built and where, build_post reads the rings to fill the store, and tests
// read it to find what a builder put in guest memory. Unset means "not done
// by any stage so far" (or not applicable to this domain type).
struct BuildState {
  std::optional<Uuid> uuid;  // make

  SharedRing store;
  SharedRing console;

  std::optional<EntryKind> entry_kind;
  std::optional<std::uint64_t> entry;        // vCPU 0's first instruction (guest-physical)
  std::optional<std::uint64_t> start_info;   // hvm_start_info
  std::optional<std::uint64_t> zero_page;    // Linux boot_params (linux64)
  std::optional<std::uint64_t> page_tables;  // the boot page tables' root, when the builder made some
  std::optional<std::uint64_t> mp_table;     // the MP floating pointer
  std::optional<std::uint64_t> acpi_rsdp;    // the ACPI RSDP a builder wrote (not firmware's)

  std::optional<GuestRange> kernel;
  std::optional<GuestRange> ramdisk;
  std::optional<GuestRange> cmdline;  // with its NUL
  std::vector<PlacedModule> modules;  // in hvm_start_info's order

  std::optional<PopulatedMemory> memory;
  // Below 4 GiB, backed for a firmware flash image (build_hvm with OVMF).
  std::optional<GuestRange> flash_window;
};

}  // namespace hvmtool
