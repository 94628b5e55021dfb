// The pvh entry: an ELF kernel with Xen's PVH entry note, entered in flat
// 32-bit mode with EBX = hvm_start_info, as Xen's PVH builder and QEMU's
// -kernel boot one.

#include <cstring>
#include <optional>
#include <vector>

#include "loader_table.hpp"
#include "pvh.hpp"

namespace hvmtool::build_pv {
namespace {

class PvhLoader final : public ImageLoader {
 public:
  std::string_view kind() const override { return "PVH ELF"; }
  std::string_view boot_info_name() const override { return "start info"; }

  // The segments' placement is checked against the layout when parsed; the
  // start info can carry an ACPI RSDP.
  LoaderNeeds needs(const Layout& /*layout*/) const override { return {{kMaxKernelBytes, {}}, true}; }

  // Parsed from its headers and notes alone (Debian's vmlinux is 66 MB):
  // the segments are read straight into guest memory by load(), one pass
  // over their bytes, where reading the file whole into a buffer and copying
  // took three (zeroing, read, copy), and most of a PVH domain's create time
  // on Xen.
  KernelPlacement parse(const common::ImageFile& kernel, const ParseInputs& in, const CheckCancelled& check) override {
    std::vector<common::SparseImage::Range> ranges;
    for (const common::ElfRange& r : common::elf_parse_ranges(
             kernel.size(),
             [&](std::uint64_t off, std::uint64_t len, std::byte*dst) { kernel.read_at(off, len, dst); }))
      ranges.push_back({r.offset, r.size});
    const common::SparseImage view(kernel, ranges);
    check();
    pvh_ = parse_pvh(view.bytes(), in.file, in.layout.low_end);
    if (in.cmdline_size > kCmdlineMax - 1)
      throw Error("build_pv: the command line is " + std::to_string(in.cmdline_size) + " bytes; at most " +
                  std::to_string(kCmdlineMax - 1) + " fit");
    return {pvh_.elf.low(), pvh_.elf.high(), pvh_.entry, 0, in.layout.low_end};
  }

  void load(Domain& d, const common::ImageFile& kernel, const CheckCancelled& check) override {
    for (const common::ElfSegment& s : pvh_.elf.segments) {
      check();
      GuestMapping m = d.map(s.paddr, s.memsz);
      kernel.read_at(s.offset, s.filesz, m.data(), check);
      std::memset(m.data() + s.filesz, 0, s.memsz - s.filesz);
    }
  }

  std::uint64_t write_boot_info(Domain& d, const BootFacts& f) override {
    StartInfoInputs si;
    si.cmdline_paddr = f.cmdline;
    si.ramdisk_paddr = f.ramdisk;
    si.ramdisk_size = f.ramdisk_size;
    si.memmap = f.layout.e820;
    si.rsdp_paddr = f.acpi_rsdp;
    write_guest(d, kStartInfoAddr, make_start_info(si));
    return kStartInfoAddr;
  }

  void set_entry(Domain& d) override {
    d.set_vcpu_context(0, VcpuContext::flat32(pvh_.entry, static_cast<std::uint32_t>(kStartInfoAddr)));
  }

  void record(BuildState& s, std::uint64_t boot_info) const override {
    s.entry_kind = EntryKind::hvm_start_info;
    s.start_info = boot_info;
  }

 private:
  PvhImage pvh_;
};

}  // namespace

std::unique_ptr<ImageLoader> make_pvh_loader() { return std::make_unique<PvhLoader>(); }

}  // namespace hvmtool::build_pv
