#pragma once

// One kind of kernel image build_pv boots without firmware, in the shape of
// Xen's xc_dom_loader (probe, parser, loader) with the boot protocol's own
// steps added: what the kind needs from the layout, a parse that checks the
// whole image before any guest memory is populated, the load of its
// segments, the boot information it hands the kernel and vCPU 0's entry
// state. build_pv_stage runs these steps in order for the loader the entry
// mode picks from loader_table.hpp; each kind is one file (linux64_loader.cpp,
// pvh_loader.cpp).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <hvmtool/hvmtool.hpp>

#include "hvmtool_common/image_file.hpp"
#include "layout.hpp"

namespace hvmtool::build_pv {

// Anything bigger is not a kernel.
inline constexpr std::uint64_t kMaxKernelBytes = 512ull << 20;

// Cancellation: throws CancelledError once the build is cancelled.
using CheckCancelled = std::function<void()>;

// What a kind asks of the build before the kernel is opened.
struct LoaderNeeds {
  common::SizeCap kernel_cap;  // the kernel file's size limit on this layout
  bool acpi_tables = false;    // its boot information can point the kernel at ACPI tables
};

// What the stage knows when the image is parsed.
struct ParseInputs {
  const Layout& layout;
  const std::string& file;  // the kernel's path, for messages
  std::uint64_t cmdline_size = 0;
};

// Where the parsed kernel goes, and what that leaves for the ramdisk.
struct KernelPlacement {
  std::uint64_t low = 0, high = 0;  // the loaded kernel's extent [low, high)
  std::uint64_t entry = 0;
  std::uint64_t ramdisk_floor = 0;  // the ramdisk lies above this (and above `high`) ...
  std::uint64_t ramdisk_top = 0;    // ... and below this
};

// What the stage placed in guest memory, for the boot information. An
// address 0 (or size 0) means none.
struct BootFacts {
  const Layout& layout;
  std::uint64_t cmdline = 0;
  std::uint64_t ramdisk = 0, ramdisk_size = 0;
  std::uint64_t acpi_rsdp = 0;
};

// One build's loader: the parse keeps what the later steps need.
class ImageLoader {
 public:
  virtual ~ImageLoader() = default;

  // For the log line: "build_pv: FILE (KIND) at …, BOOT_INFO 0x…".
  virtual std::string_view kind() const = 0;
  virtual std::string_view boot_info_name() const = 0;

  virtual LoaderNeeds needs(const Layout& layout) const = 0;
  // Reads the image from `kernel` and checks all of it; throws ImageError or
  // Error, and touches no guest memory.
  virtual KernelPlacement parse(const common::ImageFile& kernel, const ParseInputs& in,
                                const CheckCancelled& check) = 0;
  // Writes the kernel into populated guest memory.
  virtual void load(Domain& d, const common::ImageFile& kernel, const CheckCancelled& check) = 0;
  // Writes the boot information (and whatever else the entry needs, such as
  // page tables); returns its address.
  virtual std::uint64_t write_boot_info(Domain& d, const BootFacts& facts) = 0;
  virtual void set_entry(Domain& d) = 0;
  // Records the entry protocol and where its structures are.
  virtual void record(BuildState& s, std::uint64_t boot_info) const = 0;
};

// Copies `bytes` to guest memory at `gpa` (nothing for none).
inline void write_guest(Domain& d, std::uint64_t gpa, std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  GuestMapping m = d.map(gpa, bytes.size());
  std::memcpy(m.data(), bytes.data(), bytes.size());
}

}  // namespace hvmtool::build_pv
