// The linux64 entry: a Linux bzImage entered in 64-bit mode (the x86 boot
// protocol's startup_64), with a zero page, identity page tables and a GDT
// below 1 MiB, as Firecracker and kvmtool boot one.

#include <algorithm>
#include <cstring>

#include "bzimage.hpp"
#include "loader_table.hpp"

namespace hvmtool::build_pv {
namespace {

using common::hex;

class Linux64Loader final : public ImageLoader {
 public:
  std::string_view kind() const override { return "bzImage, 64-bit entry"; }
  std::string_view boot_info_name() const override { return "zero page"; }

  // The protected-mode kernel runs from 1 MiB: a file larger than the RAM
  // from there cannot fit.
  LoaderNeeds needs(const Layout& layout) const override {
    const std::uint64_t ram_above_1m = layout.low_end - kKernelAddr;
    if (ram_above_1m < kMaxKernelBytes)
      return {{ram_above_1m, "the " + hex(ram_above_1m) + " bytes of RAM from 1 MiB"}, false};
    return {{kMaxKernelBytes, {}}, false};
  }

  // A bzImage (a few MiB) is read whole: the zero page copies its header.
  KernelPlacement parse(const common::ImageFile& kernel, const ParseInputs& in, const CheckCancelled& check) override {
    image_.resize(kernel.size());
    kernel.read_at(0, image_.size(), image_.data(), check);
    check();
    bz_ = common::bzimage::parse(image_, in.file,
                                 {common::bzimage::Entry::long64, in.layout.low_end, in.cmdline_size, kCmdlineMax - 1});
    return {kKernelAddr, kKernelAddr + bz_.footprint, bz_.entry, bz_.runtime_end,
            std::min<std::uint64_t>(in.layout.low_end, std::uint64_t(bz_.initrd_addr_max) + 1)};
  }

  void load(Domain& d, const common::ImageFile& /*kernel*/, const CheckCancelled& /*check*/) override {
    GuestMapping m = d.map(kKernelAddr, bz_.footprint);
    std::memcpy(m.data(), image_.data() + bz_.setup_size, bz_.kernel_size);
    std::memset(m.data() + bz_.kernel_size, 0, bz_.footprint - bz_.kernel_size);
  }

  std::uint64_t write_boot_info(Domain& d, const BootFacts& f) override {
    write_guest(d, kZeroPageAddr, make_zero_page(image_, bz_, f.layout.e820, f.cmdline, f.ramdisk, f.ramdisk_size));
    write_guest(d, kPml4Addr, make_page_tables());
    const std::vector<std::byte> gdt = make_gdt();
    write_guest(d, kGdtAddr, gdt);
    gdt_limit_ = static_cast<std::uint16_t>(gdt.size() - 1);
    return kZeroPageAddr;
  }

  void set_entry(Domain& d) override {
    VcpuContext c =
        VcpuContext::long_mode(bz_.entry, kPml4Addr, DescriptorTable{kGdtAddr, gdt_limit_}, kBootCs, kBootDs);
    c.rsi = kZeroPageAddr;
    c.idt = DescriptorTable{0, 0};
    d.set_vcpu_context(0, c);
  }

  void record(BuildState& s, std::uint64_t boot_info) const override {
    s.entry_kind = EntryKind::linux64;
    s.zero_page = boot_info;
    s.page_tables = kPml4Addr;
  }

 private:
  std::vector<std::byte> image_;
  BzImage bz_;
  std::uint16_t gdt_limit_ = 0;
};

}  // namespace

std::unique_ptr<ImageLoader> make_linux64_loader() { return std::make_unique<Linux64Loader>(); }

}  // namespace hvmtool::build_pv
