#include "build_pv_stage.hpp"

#include <chrono>
#include <cstring>

#include "acpi_tables.hpp"
#include "hvmtool_common/image_file.hpp"
#include "hvmtool_common/populate.hpp"
#include "hvmtool_common/xen_special_pages.hpp"
#include "layout.hpp"
#include "loader_table.hpp"
#include "mptable.hpp"

namespace hvmtool::build_pv {
namespace {

using common::hex;
using Clock = std::chrono::steady_clock;

struct Inputs {
  DomainConfig config;
  BootPayload boot;
  bool mp_table = false;  // describe the platform's interrupt controllers
  bool acpi = false;      // describe its local APICs (PVH)
  unsigned lapic_id_step = 1;
  bool xen_special_pages = false;  // the store and console rings, for the platform's back ends
};

struct Outputs {
  common::ExtentCounts extents;
  KernelPlacement kernel;
  std::uint64_t boot_info = 0;  // zero page or start info
  std::uint64_t cmdline = 0, ramdisk = 0, ramdisk_size = 0;
  std::uint64_t mp_table = 0;   // 0 = none
  std::uint64_t acpi_rsdp = 0;  // 0 = none
  std::uint64_t special_pages = 0;
  std::chrono::milliseconds populate_time{}, total_time{};
};

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

// The loader's steps in order (Xen's xc_dom_parse_image, xc_dom_mem_init,
// xc_dom_build_image, then the boot information and the vCPU).
void build(Domain& d, const Inputs& in, ImageLoader& loader, Outputs& out,
           const std::shared_ptr<std::atomic<bool>>& cancelled) {
  const auto t0 = Clock::now();
  const CheckCancelled check = [&] {
    if (cancelled->load()) throw CancelledError("build_pv: cancelled");
  };
  const Layout layout = compute_layout(in.config.memory, in.config.mmio_hole, in.xen_special_pages);
  if (in.boot.kernel.empty()) throw Error("build_pv: no kernel (domain.kernel) to boot");
  const std::string kfile = in.boot.kernel.string();

  // Everything checked before any memory is touched, and sizes before
  // contents: nothing that cannot fit the domain is read.
  const std::string& cmdline = in.boot.cmdline;
  const LoaderNeeds needs = loader.needs(layout);
  const std::uint64_t ram_above_1m = layout.low_end - kKernelAddr;
  std::uint64_t ramdisk_size = 0;
  if (!in.boot.ramdisk.empty())
    ramdisk_size = common::image_size(in.boot.ramdisk, "ramdisk",
                                      {ram_above_1m, "the " + hex(ram_above_1m) + " bytes of RAM from 1 MiB"});
  const common::ImageFile kernel_file(in.boot.kernel, "kernel", needs.kernel_cap);
  out.kernel = loader.parse(kernel_file, {layout, kfile, cmdline.size()}, check);
  std::vector<std::byte> mp_table, acpi;
  if (in.mp_table) mp_table = make_mp_table(in.config.vcpus, in.config.effective_maxvcpus());
  if (in.acpi && needs.acpi_tables)
    acpi = make_acpi_tables({in.config.vcpus, in.config.effective_maxvcpus(), in.lapic_id_step});
  std::vector<std::byte> ramdisk;
  if (ramdisk_size) {
    const std::uint64_t top = out.kernel.ramdisk_top;
    out.ramdisk =
        place_ramdisk(ramdisk_size, std::max(out.kernel.high, out.kernel.ramdisk_floor), top, in.boot.ramdisk.string());
    const std::uint64_t room = (top & ~(kPage - 1)) - out.ramdisk;
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

  loader.load(d, kernel_file, check);
  check();
  write_guest(d, out.ramdisk, ramdisk);
  if (!cmdline.empty()) {
    out.cmdline = kCmdlineAddr;
    std::vector<std::byte> c(cmdline.size() + 1);
    std::memcpy(c.data(), cmdline.data(), cmdline.size());
    write_guest(d, kCmdlineAddr, c);
  }
  if (!mp_table.empty()) {
    write_guest(d, kMpTableAddr, mp_table);
    out.mp_table = kMpTableAddr;
  }
  if (!acpi.empty()) {
    write_guest(d, kAcpiAddr, acpi);
    out.acpi_rsdp = kAcpiAddr;
  }
  if (in.xen_special_pages) common::xen_special::publish(d);

  out.boot_info = loader.write_boot_info(d, {layout, out.cmdline, out.ramdisk, out.ramdisk_size, out.acpi_rsdp});
  loader.set_entry(d);
  out.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

// The entry mode: `params.build_pv.entry`, else the domain type's.
std::string_view resolve(std::string_view entry, const StageContext& ctx) {
  if (ctx.config.type == DomainType::pv && ctx.platform.features().pv_domains)
    throw Error("build_pv: domain '" + ctx.config.name + "' is type pv on " + std::string(ctx.platform.name()) +
                ": a classic PV kernel is built by the " + std::string(ctx.platform.name()) +
                " platform's PV builder, not build_pv "
                "(stages: {build: build_xen_pv}), or use type: pvh");
  if (entry != kAutoEntry) return entry;
  return ctx.config.type == DomainType::pvh ? "pvh" : "linux64";
}

}  // namespace

void BuildPvStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  auto in = std::make_shared<Inputs>();
  in->config = ctx.config;
  in->boot = ctx.boot;
  std::shared_ptr<ImageLoader> loader = find_loader(resolve(entry_, ctx)).make();
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
      ctx, [&domain, in, loader, out, cancelled] { build(domain, *in, *loader, *out, cancelled); },
      [&ctx, in, loader, out, cancelled, done = std::move(done)](std::exception_ptr error) {
        // Cancelled: the runner may be rolling back; do not touch the context.
        if (cancelled->load()) {
          done(error ? error : std::make_exception_ptr(CancelledError("build_pv: cancelled")));
          return;
        }
        if (!error) {
          const common::ExtentCounts& e = out->extents;
          const KernelPlacement& k = out->kernel;
          BuildState& s = ctx.state;
          loader->record(s, out->boot_info);
          s.entry = k.entry;
          s.kernel = GuestRange{k.low, k.high - k.low};
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
          ctx.log.info("build_pv: " + in->boot.kernel.string() + " (" + std::string(loader->kind()) + ") at " +
                       hex(k.low) + "-" + hex(k.high) + ", entry " + hex(k.entry) + ", " +
                       std::string(loader->boot_info_name()) + " " + hex(out->boot_info) +
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
