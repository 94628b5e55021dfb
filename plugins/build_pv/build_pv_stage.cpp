#include "build_pv_stage.hpp"

#include <chrono>
#include <cstring>
#include <optional>

#include "acpi_tables.hpp"
#include "bzimage.hpp"
#include "hvmtool_common/image_file.hpp"
#include "hvmtool_common/populate.hpp"
#include "hvmtool_common/xen_special_pages.hpp"
#include "layout.hpp"
#include "mptable.hpp"
#include "pvh.hpp"

namespace hvmtool::build_pv {
namespace {

using common::hex;
using Clock = std::chrono::steady_clock;

// Anything bigger is not a kernel; the ramdisk is bounded by low RAM.
constexpr std::uint64_t kMaxKernelBytes = 512ull << 20;

struct Inputs {
  DomainConfig config;
  BootPayload boot;
  EntryMode mode = EntryMode::linux64;
  bool mp_table = false;  // describe the platform's interrupt controllers
  bool acpi = false;      // describe its local APICs (PVH)
  unsigned lapic_id_step = 1;
  bool xen_special_pages = false;  // the store and console rings, for the platform's back ends
};

struct Outputs {
  common::ExtentCounts extents;
  std::uint64_t entry = 0, boot_info = 0;  // zero page or start info
  std::uint64_t kernel_low = 0, kernel_high = 0;
  std::uint64_t cmdline = 0, ramdisk = 0, ramdisk_size = 0;
  std::uint64_t mp_table = 0;   // 0 = none
  std::uint64_t acpi_rsdp = 0;  // 0 = none
  std::uint64_t special_pages = 0;
  std::chrono::milliseconds populate_time{}, total_time{};
};

void write(Domain& d, std::uint64_t gpa, std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  GuestMapping m = d.map(gpa, bytes.size());
  std::memcpy(m.data(), bytes.data(), bytes.size());
}

// Ramdisk at the top of [floor, top), page aligned (as high as possible, as
// boot loaders do, clear of the kernel's init_size footprint).
std::uint64_t place_ramdisk(std::uint64_t size, std::uint64_t floor, std::uint64_t top, const std::string& file) {
  top &= ~(kPage - 1);
  floor = (floor + kPage - 1) & ~(kPage - 1);
  if (top < floor || top - floor < size)
    throw Error("build_pv: no room for the ramdisk " + file + " (" + hex(size) + " bytes) between the kernel's end " +
                hex(floor) + " and " + hex(top));
  return (top - size) & ~(kPage - 1);
}

void build(Domain& d, const Inputs& in, Outputs& out, const std::shared_ptr<std::atomic<bool>>& cancelled) {
  const auto t0 = Clock::now();
  auto check = [&] {
    if (cancelled->load()) throw CancelledError("build_pv: cancelled");
  };
  const Layout layout = compute_layout(in.config.memory, in.config.mmio_hole, in.xen_special_pages);
  if (in.boot.kernel.empty()) throw Error("build_pv: no kernel (domain.kernel) to boot");
  const std::string kfile = in.boot.kernel.string();

  // Everything checked before any memory is touched, and sizes before
  // contents: nothing that cannot fit the domain is read.
  const std::string& cmdline = in.boot.cmdline;
  const bool linux64 = in.mode == EntryMode::linux64;
  const std::uint64_t ram_above_1m = layout.low_end - kKernelAddr;
  const common::SizeCap kernel_cap =
      linux64 && ram_above_1m < kMaxKernelBytes
          ? common::SizeCap{ram_above_1m, "the " + hex(ram_above_1m) + " bytes of RAM from 1 MiB"}
          : common::SizeCap{kMaxKernelBytes, {}};
  std::uint64_t ramdisk_size = 0;
  if (!in.boot.ramdisk.empty())
    ramdisk_size = common::image_size(in.boot.ramdisk, "ramdisk",
                                      {ram_above_1m, "the " + hex(ram_above_1m) + " bytes of RAM from 1 MiB"});
  // A bzImage (a few MiB) is read whole. A PVH ELF (Debian's vmlinux is 66
  // MB) is parsed from its headers and notes alone, and its segments are
  // read straight into guest memory below: one pass over its bytes, where
  // reading it whole into a buffer and copying took three (zeroing, read,
  // copy), and most of a PVH domain's create time on Xen.
  const common::ImageFile kernel_file(in.boot.kernel, "kernel", kernel_cap);
  std::vector<std::byte> kernel;
  std::optional<common::SparseImage> elf_view;
  if (linux64) {
    kernel.resize(kernel_file.size());
    kernel_file.read_at(0, kernel.size(), kernel.data(), check);
  } else {
    std::vector<common::SparseImage::Range> ranges;
    for (const common::ElfRange& r : common::elf_parse_ranges(
             kernel_file.size(),
             [&](std::uint64_t off, std::uint64_t len, std::byte*dst) { kernel_file.read_at(off, len, dst); }))
      ranges.push_back({r.offset, r.size});
    elf_view.emplace(kernel_file, ranges);
  }
  check();

  BzImage bz;
  PvhImage pvh;
  std::uint64_t ramdisk_top = layout.low_end;
  std::uint64_t ramdisk_floor = 0;  // besides the loaded kernel's end
  if (linux64) {
    bz = common::bzimage::parse(kernel, kfile,
                                {common::bzimage::Entry::long64, layout.low_end, cmdline.size(), kCmdlineMax - 1});
    out.kernel_low = kKernelAddr;
    out.kernel_high = kKernelAddr + bz.footprint;
    ramdisk_floor = bz.runtime_end;
    out.entry = bz.entry;
    ramdisk_top = std::min<std::uint64_t>(ramdisk_top, std::uint64_t(bz.initrd_addr_max) + 1);
  } else {
    pvh = parse_pvh(elf_view->bytes(), kfile, layout.low_end);
    out.kernel_low = pvh.elf.low();
    out.kernel_high = pvh.elf.high();
    out.entry = pvh.entry;
    if (cmdline.size() > kCmdlineMax - 1)
      throw Error("build_pv: the command line is " + std::to_string(cmdline.size()) + " bytes; at most " +
                  std::to_string(kCmdlineMax - 1) + " fit");
  }
  std::vector<std::byte> mp_table, acpi;
  if (in.mp_table) mp_table = make_mp_table(in.config.vcpus, in.config.effective_maxvcpus());
  if (in.acpi && !linux64) acpi = make_acpi_tables({in.config.vcpus, in.config.effective_maxvcpus(), in.lapic_id_step});
  std::vector<std::byte> ramdisk;
  if (ramdisk_size) {
    out.ramdisk =
        place_ramdisk(ramdisk_size, std::max(out.kernel_high, ramdisk_floor), ramdisk_top, in.boot.ramdisk.string());
    const std::uint64_t room = (ramdisk_top & ~(kPage - 1)) - out.ramdisk;
    ramdisk =
        common::read_image(in.boot.ramdisk, "ramdisk",
                           {room, "the " + hex(room) + " bytes of room it was given at " + hex(out.ramdisk)}, check);
    out.ramdisk_size = ramdisk.size();
  }
  check();

  // Memory: all of it, 0xA0000-0xFFFFF included (only the E820 leaves it out).
  const auto populate_start = Clock::now();
  common::populate_ram_range(d, 0, layout.low_end >> 12, out.extents, check);
  if (layout.high_bytes) common::populate_ram_range(d, k4G >> 12, layout.high_end() >> 12, out.extents, check);
  if (in.xen_special_pages) out.special_pages = common::xen_special::populate(d);
  out.populate_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - populate_start);
  check();

  // Kernel.
  if (linux64) {
    GuestMapping m = d.map(kKernelAddr, bz.footprint);
    std::memcpy(m.data(), kernel.data() + bz.setup_size, bz.kernel_size);
    std::memset(m.data() + bz.kernel_size, 0, bz.footprint - bz.kernel_size);
  } else {
    for (const common::ElfSegment& s : pvh.elf.segments) {
      check();
      GuestMapping m = d.map(s.paddr, s.memsz);
      kernel_file.read_at(s.offset, s.filesz, m.data(), check);
      std::memset(m.data() + s.filesz, 0, s.memsz - s.filesz);
    }
  }
  check();
  write(d, out.ramdisk, ramdisk);
  if (!cmdline.empty()) {
    out.cmdline = kCmdlineAddr;
    std::vector<std::byte> c(cmdline.size() + 1);
    std::memcpy(c.data(), cmdline.data(), cmdline.size());
    write(d, kCmdlineAddr, c);
  }
  if (!mp_table.empty()) {
    write(d, kMpTableAddr, mp_table);
    out.mp_table = kMpTableAddr;
  }
  if (!acpi.empty()) {
    write(d, kAcpiAddr, acpi);
    out.acpi_rsdp = kAcpiAddr;
  }
  if (in.xen_special_pages) common::xen_special::publish(d);

  if (linux64) {
    write(d, kZeroPageAddr, make_zero_page(kernel, bz, layout.e820, out.cmdline, out.ramdisk, out.ramdisk_size));
    write(d, kPml4Addr, make_page_tables());
    const std::vector<std::byte> gdt = make_gdt();
    write(d, kGdtAddr, gdt);
    out.boot_info = kZeroPageAddr;
    VcpuContext c = VcpuContext::long_mode(
        out.entry, kPml4Addr, DescriptorTable{kGdtAddr, static_cast<std::uint16_t>(gdt.size() - 1)}, kBootCs, kBootDs);
    c.rsi = kZeroPageAddr;
    c.idt = DescriptorTable{0, 0};
    d.set_vcpu_context(0, c);
  } else {
    StartInfoInputs si;
    si.cmdline_paddr = out.cmdline;
    si.ramdisk_paddr = out.ramdisk;
    si.ramdisk_size = out.ramdisk_size;
    si.memmap = layout.e820;
    si.rsdp_paddr = out.acpi_rsdp;
    write(d, kStartInfoAddr, make_start_info(si));
    out.boot_info = kStartInfoAddr;
    d.set_vcpu_context(
        0, VcpuContext::flat32(static_cast<std::uint32_t>(out.entry), static_cast<std::uint32_t>(kStartInfoAddr)));
  }
  out.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

EntryMode resolve(EntryChoice choice, const StageContext& ctx) {
  if (ctx.config.type == DomainType::pv && ctx.platform.features().pv_domains)
    throw Error("build_pv: domain '" + ctx.config.name + "' is type pv on " + std::string(ctx.platform.name()) +
                ": a classic PV kernel is built by the " + std::string(ctx.platform.name()) +
                " platform's PV builder, not build_pv "
                "(stages: {build: build_xen_pv}), or use type: pvh");
  switch (choice) {
    case EntryChoice::linux64:
      return EntryMode::linux64;
    case EntryChoice::pvh:
      return EntryMode::pvh;
    case EntryChoice::automatic:
      break;
  }
  return ctx.config.type == DomainType::pvh ? EntryMode::pvh : EntryMode::linux64;
}

}  // namespace

void BuildPvStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  auto in = std::make_shared<Inputs>();
  in->config = ctx.config;
  in->boot = ctx.boot;
  in->mode = resolve(entry_, ctx);
  // An MP table describes the platform's IOAPIC and PIT (kvm); Xen's PVH
  // guests have neither, only local APICs, which ACPI tables describe (as
  // libxl's do).
  const PlatformFeatures features = ctx.platform.features();
  in->mp_table = features.ioapic;
  in->acpi = features.lapic && !features.ioapic;
  in->lapic_id_step = features.lapic_id_step;
  in->xen_special_pages = features.xen_special_pages;
  auto out = std::make_shared<Outputs>();
  auto cancelled = ctx.cancelled;
  run_blocking(
      ctx, [&domain, in, out, cancelled] { build(domain, *in, *out, cancelled); },
      [&ctx, in, out, cancelled, done = std::move(done)](std::exception_ptr error) {
        // Cancelled: the runner may be rolling back; do not touch the context.
        if (cancelled->load()) {
          done(error ? error : std::make_exception_ptr(CancelledError("build_pv: cancelled")));
          return;
        }
        if (!error) {
          const bool pvh = in->mode == EntryMode::pvh;
          const common::ExtentCounts& e = out->extents;
          BuildState& s = ctx.state;
          s.entry_kind = pvh ? EntryKind::hvm_start_info : EntryKind::linux64;
          s.entry = out->entry;
          (pvh ? s.start_info : s.zero_page) = out->boot_info;
          if (!pvh) s.page_tables = kPml4Addr;
          s.kernel = GuestRange{out->kernel_low, out->kernel_high - out->kernel_low};
          if (out->cmdline) s.cmdline = GuestRange{out->cmdline, in->boot.cmdline.size() + 1};
          if (out->ramdisk_size) s.ramdisk = GuestRange{out->ramdisk, out->ramdisk_size};
          if (out->mp_table) s.mp_table = out->mp_table;
          if (out->acpi_rsdp) s.acpi_rsdp = out->acpi_rsdp;
          s.memory = PopulatedMemory{{e.extents_1g, e.extents_2m, e.pages_4k}, out->special_pages};
          if (out->special_pages) {
            // The rings the platform's back ends (xenstored, xenconsoled) map.
            s.store.frame = common::xen_special::special_pfn(common::xen_special::xenstore);
            s.console.frame = common::xen_special::special_pfn(common::xen_special::console);
          }
          ctx.log.info("build_pv: " + in->boot.kernel.string() + (pvh ? " (PVH ELF)" : " (bzImage, 64-bit entry)") +
                       " at " + hex(out->kernel_low) + "-" + hex(out->kernel_high) + ", entry " + hex(out->entry) +
                       (pvh ? ", start info " : ", zero page ") + hex(out->boot_info) +
                       (out->cmdline ? ", cmdline at " + hex(out->cmdline) : std::string(", no cmdline")) +
                       (out->ramdisk_size ? ", ramdisk at " + hex(out->ramdisk) + "+" + hex(out->ramdisk_size)
                                          : std::string(", no ramdisk")) +
                       (out->mp_table ? ", MP table at " + hex(out->mp_table) : std::string()) +
                       (out->acpi_rsdp ? ", ACPI RSDP at " + hex(out->acpi_rsdp) : std::string()) +
                       (out->special_pages ? ", " + std::to_string(out->special_pages) + " special pages at " +
                                                 hex(common::xen_special::kFirstPfn << kPageShift)
                                           : std::string()) +
                       "; memory " + std::to_string(in->config.memory >> 20) + " MiB: " + std::to_string(e.extents_1g) +
                       " x 1G, " + std::to_string(e.extents_2m) + " x 2M, " + std::to_string(e.pages_4k) + " x 4K in " +
                       std::to_string(out->populate_time.count()) + " ms; built in " +
                       std::to_string(out->total_time.count()) + " ms");
        }
        done(error);
      });
}

void BuildPvStage::undo(StageContext& /*ctx*/) noexcept {
  // Everything build_pv makes lives in the domain, which the runner destroys.
}

}  // namespace hvmtool::build_pv
