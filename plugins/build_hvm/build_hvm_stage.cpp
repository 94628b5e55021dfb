#include "build_hvm_stage.hpp"

#include <stdint.h>

#include <xen/xen.h>

#include <xen/hvm/params.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <hvmtool/guest_abi.h>
#include <hvmtool_common/bzimage.hpp>
#include <hvmtool_common/disk_format.hpp>
#include <hvmtool_common/elf_placement.hpp>
#include <hvmtool_common/image_file.hpp>

#include "guest_tables.hpp"
#include "memory_layout.hpp"

namespace hvmtool::build_hvm {
namespace {

namespace fs = std::filesystem;
using common::hex;

// Where hvmloader expects what: hvmloader/include/hvmtool/guest_abi.h.
constexpr std::uint64_t kStartInfoPaddr = HVMTOOL_ABI_START_INFO_PADDR;
constexpr std::uint64_t kTablesSize = HVMTOOL_ABI_TABLES_SIZE;  // the top of low RAM: no modules
constexpr std::uint64_t kModuleFloor = HVMTOOL_ABI_MODULE_FLOOR;
constexpr std::uint64_t kLinuxCmdlineMax = HVMTOOL_ABI_LINUX_CMDLINE_MAX - 1;  // without the NUL

struct Module {
  std::string name;
  std::string file;
  std::vector<std::byte> bytes;
  LoadRule rule = LoadRule::module;
  std::uint64_t paddr = 0;
};

struct Inputs {
  DomainConfig config;
  BootPayload boot;
  FirmwareSet firmware;
  EntryMode entry;
};

struct Outputs {
  ExtentCounts extents;
  std::uint64_t special_4k = 0;
  std::uint64_t flash_window = 0;  // bytes backed below 4 GiB for a flash image
  std::uint32_t entry = 0, start_info = 0;
  std::uint64_t store_pfn = 0, console_pfn = 0;
  std::vector<PlacedModule> placed;
  std::optional<GuestRange> cmdline;
  std::chrono::milliseconds populate_time{}, total_time{};
};

std::uint64_t page_up(std::uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

// The disk's first sector, read as its format presents it.
std::vector<std::byte> read_boot_sector(const DiskConfig& disk) {
  constexpr std::size_t kSector = 512;
  const std::unique_ptr<common::DiskImage> image = common::open_disk(disk.target, disk.format);
  if (image->size() < kSector)
    throw ImageError(disk.target.string() + ": offset 0x0: the disk is " + std::to_string(image->size()) +
                     " bytes, shorter than one 512-byte boot sector");
  std::vector<std::byte> sector(kSector);
  image->read_into(0, {reinterpret_cast<std::uint8_t*>(sector.data()), kSector}, "boot sector");
  return sector;
}

// Low RAM the modules share: [floor, top), placed top-down.
struct ModuleArea {
  std::uint64_t floor = 0, top = 0, memory = 0;
  std::uint64_t room() const { return top > floor ? top - floor : 0; }
  std::string describe() const {
    return hex(floor) + " and " + hex(top) + "; memory is " + std::to_string(memory >> 20) + " MiB";
  }
};

// One file to hand over as a module, sized (stat) but not read yet.
struct PendingModule {
  std::string name;
  fs::path path;
  LoadRule rule = LoadRule::module;
  std::uint64_t max_size = 0;  // the firmware's own limit; 0 = none
  std::uint64_t size = 0;
};

// hvmloader boots the "kernel" module through the 32-bit boot protocol
// (hvmloader/boot_linux.c) and crashes the domain on a bad one, with the
// reason only in the guest's log. The same checks here, by the parser
// build_pv uses, name the file and field before a domain is built; so does
// the ramdisk's room where hvmloader moves it (the highest page below
// initrd_addr_max, above the kernel's init_size and hvmloader itself).
void check_linux_boot(const Inputs& in, const Module& kernel, const std::vector<PendingModule>& pending,
                      const ModuleArea& area, std::uint64_t loader_end) {
  namespace bz = common::bzimage;
  // hvmloader's RAM from 1 MiB ends where its table block starts.
  const std::uint64_t ram_end = area.top;
  const bz::Image image =
      bz::parse(kernel.bytes, kernel.file, {bz::Entry::protected32, ram_end, in.boot.cmdline.size(), kLinuxCmdlineMax});
  for (const PendingModule& p : pending) {
    if (p.name != HVMTOOL_ABI_MODULE_RAMDISK) continue;
    const std::uint64_t kernel_end = std::max(page_up(bz::kLoadAddr + image.footprint), page_up(loader_end));
    const std::uint64_t limit = std::min<std::uint64_t>(std::uint64_t(image.initrd_addr_max) + 1, ram_end);
    if (p.size > limit || ((limit - p.size) & ~(kPageSize - 1)) < kernel_end)
      throw Error("build_hvm: no room for the ramdisk " + p.path.string() + " (" + hex(p.size) +
                  " bytes) between the kernel's end " + hex(kernel_end) + " and " + hex(limit) +
                  ", where hvmloader moves it");
  }
}

// The modules' files: every size first, from stat, against the room low
// RAM has for them, so a file that cannot fit is refused before anything
// is read; then the bzImage hvmloader will boot is parsed with build_pv's
// rules (plugins/common) and the ramdisk checked against where hvmloader
// will move it; only then are the rest read.
std::vector<Module> read_modules(const Inputs& in, const ModuleArea& area, std::uint64_t loader_end,
                                 const std::function<void()>& check) {
  std::vector<PendingModule> pending;
  for (const FirmwareImage& fw : in.firmware.modules) {
    if (fw.rule != LoadRule::module && fw.rule != LoadRule::module_flash_window)
      throw ImageError(fw.path.string() + ": build_hvm takes modules and at most one flash image, not this load rule");
    if (fw.rule == LoadRule::module_flash_window)
      for (const PendingModule& p : pending)
        if (p.rule == LoadRule::module_flash_window)
          throw ImageError(fw.path.string() + ": build_hvm takes at most one flash image");
    pending.push_back({fw.name, fw.path, fw.rule, fw.max_size, 0});
  }
  if (!in.boot.kernel.empty()) pending.push_back({HVMTOOL_ABI_MODULE_KERNEL, in.boot.kernel, LoadRule::module, 0, 0});
  if (!in.boot.ramdisk.empty()) {
    if (in.boot.kernel.empty()) throw Error("build_hvm: domain.ramdisk given without domain.kernel");
    pending.push_back({HVMTOOL_ABI_MODULE_RAMDISK, in.boot.ramdisk, LoadRule::module, 0, 0});
  }
  std::uint64_t left = area.room();
  for (PendingModule& p : pending) {
    if (left < kPageSize)
      throw Error("build_hvm: no room in low RAM for module \"" + p.name + "\" (none left between " + area.describe() +
                  ")");
    common::SizeCap cap{left,
                        "the " + hex(left) + " bytes of low RAM left for modules (between " + area.describe() + ")"};
    if (p.max_size && p.max_size < cap.max) cap = {p.max_size, {}};
    p.size = common::image_size(p.path, p.name, cap);
    left -= std::min(left, page_up(p.size));
  }

  std::vector<Module> modules;
  for (const PendingModule& p : pending) {
    if (p.name != HVMTOOL_ABI_MODULE_KERNEL) continue;
    modules.push_back({p.name, p.path.string(), common::read_image(p.path, p.name, {p.size, {}}, check), p.rule, 0});
  }
  const bool hvmloader_boots_kernel =
      !in.boot.kernel.empty() && std::none_of(pending.begin(), pending.end(), [](const PendingModule& p) {
        return p.name == HVMTOOL_ABI_MODULE_FIRMWARE;
      });
  if (hvmloader_boots_kernel) check_linux_boot(in, modules.front(), pending, area, loader_end);
  for (const PendingModule& p : pending) {
    if (p.name == HVMTOOL_ABI_MODULE_KERNEL) continue;
    check();
    modules.push_back({p.name, p.path.string(), common::read_image(p.path, p.name, {p.size, {}}, check), p.rule, 0});
  }
  // Nothing else to boot but a disk: hand hvmloader its first sector, which it
  // runs at 0x7C00 the way a BIOS's INT 0x19 would.
  if (in.boot.kernel.empty() && in.firmware.modules.empty() && !in.config.disks.empty()) {
    const DiskConfig& disk = in.config.disks.front();
    modules.push_back(
        {HVMTOOL_ABI_MODULE_BOOTSECTOR, disk.target.string(), read_boot_sector(disk), LoadRule::module, 0});
  }
  return modules;
}

void write(Domain& d, std::uint64_t gpa, const void* data, std::size_t len) {
  if (!len) return;
  GuestMapping m = d.map(gpa, len);
  std::memcpy(m.data(), data, len);
}

// What build() works from once everything is checked and read, before
// anything in the domain is touched.
struct Plan {
  MemoryLayout layout;
  std::vector<std::byte> loader_bytes;
  common::ElfImage loader;
  ModuleArea area;
  std::vector<Module> modules;
  std::uint64_t flash_window = 0;  // bytes below 4 GiB to back for a flash image
};

// Step 1: the loader ELF against the layout, then the modules (sizes first),
// all read into memory: every refusal happens here, with the domain as make
// left it.
Plan check_and_read_images(const Inputs& in, const std::function<void()>& check) {
  Plan plan;
  plan.layout = compute_layout(in.config.memory, in.config.mmio_hole);
  const FirmwareImage& loader = in.firmware.loader;
  if (loader.rule != LoadRule::elf_at_link_address)
    throw ImageError(loader.path.string() + ": the loader must be an ELF loaded at its link address");
  const std::uint64_t low_end = plan.layout.low_end;
  const std::uint64_t loader_cap = loader.max_size ? std::min(loader.max_size, low_end) : low_end;
  plan.loader_bytes = common::read_image(loader.path, "firmware", {loader_cap, {}}, check);
  const std::vector<common::ElfHole> holes = {
      {kVgaHoleStart, kVgaHoleEnd, "the VGA hole"},
      {kHvmInfoPaddr & ~(kPageSize - 1), (kHvmInfoPaddr & ~(kPageSize - 1)) + kPageSize, "the hvm_info page"},
      {kStartInfoPaddr, kStartInfoPaddr + kPageSize, "the hvm_start_info page"},
      {kIoreqServerPfn << kPageShift, k4G, "the special pages"},
  };
  // hvmloader is entered in 32-bit protected mode at its link address.
  plan.loader = common::parse_i386_exec(plan.loader_bytes, loader.path.string(), common::kLoaderElfLimits);
  common::check_elf_placement(plan.loader, loader.path.string(), 0, low_end, "low RAM", holes);
  common::check_elf_entry(plan.loader, loader.path.string());
  plan.area = {std::max<std::uint64_t>(kModuleFloor, page_up(plan.loader.high())), low_end - kTablesSize,
               plan.layout.memory};
  plan.modules = read_modules(in, plan.area, plan.loader.high(), check);
  for (const Module& m : plan.modules) {
    if (m.rule != LoadRule::module_flash_window) continue;
    plan.flash_window = flash_window_bytes(m.bytes.size());
    if (plan.flash_window > k4G - (kSpecialPfnEnd << kPageShift))
      throw ImageError(m.file + ": offset 0x0: a " + hex(m.bytes.size()) +
                       "-byte flash image does not fit between the special pages and 4 GiB");
  }
  return plan;
}

// Step 2: RAM, Xen's special pages, and a flash image's window.
void populate_memory(Domain& d, const Inputs& in, const Plan& plan, Outputs& out, const std::function<void()>& check) {
  // A flash image's window below 4 GiB is RAM the guest did not ask for,
  // like libxl's video RAM: max memory grows by it before anything is
  // populated (growing later may not fit the platform's reservation).
  if (plan.flash_window) d.set_max_memory(in.config.effective_maxmem() + plan.flash_window);
  out.extents = populate_ram(d, plan.layout, check);
  out.special_4k = common::xen_special::populate(d);
  if (plan.flash_window) {
    const std::uint64_t pages = plan.flash_window >> kPageShift;
    if (d.populate_physmap((k4G - plan.flash_window) >> kPageShift, pages, 0) != pages)
      throw Error("build_hvm: the platform did not back the flash window at " + hex(k4G - plan.flash_window));
    out.flash_window = plan.flash_window;
  }
}

// Step 3: the loader's segments at their link addresses, bss zeroed.
void load_loader(Domain& d, const Plan& plan) {
  for (const common::ElfSegment& s : plan.loader.segments) {
    GuestMapping m = d.map(s.paddr, s.memsz);
    std::memcpy(m.data(), plan.loader_bytes.data() + s.offset, s.filesz);
    std::memset(m.data() + s.filesz, 0, s.memsz - s.filesz);
  }
}

// Step 4: modules top-down from below hvmloader's table block, page
// aligned: the ramdisk highest (hvmloader's own initrd spot, so it need not
// move), then the kernel, the BIOS, and the command line -- all in low RAM,
// above hvmloader and the F-segment (hvmloader/README.md). Returns the
// command line's address (0: none).
std::uint64_t place_modules(Domain& d, const Inputs& in, Plan& plan, Outputs& out, const std::function<void()>& check) {
  std::vector<Module>& modules = plan.modules;
  std::stable_sort(modules.begin(), modules.end(), [](const Module& a, const Module& b) {
    auto rank = [](const std::string& n) {
      return n == HVMTOOL_ABI_MODULE_RAMDISK ? 0 : n == HVMTOOL_ABI_MODULE_KERNEL ? 1 : 2;
    };
    return rank(a.name) < rank(b.name);
  });
  const std::uint64_t floor = plan.area.floor;
  std::uint64_t top = plan.area.top;
  auto allocate = [&](const std::string& what, std::uint64_t size) {
    const std::uint64_t rounded = page_up(size);
    if (top < floor || top - floor < rounded)
      throw Error("build_hvm: no room in low RAM for " + what + " (" + hex(size) + " bytes between " + hex(floor) +
                  " and " + hex(top) + "; memory is " + std::to_string(plan.layout.memory >> 20) + " MiB)");
    top -= rounded;
    return top;
  };
  for (Module& m : modules) {
    check();
    m.paddr = allocate("module \"" + m.name + "\"", m.bytes.size());
    write(d, m.paddr, m.bytes.data(), m.bytes.size());
    out.placed.push_back({m.name, {m.paddr, m.bytes.size()}});
  }
  if (in.boot.cmdline.empty()) return 0;
  const std::uint64_t cmdline_paddr = allocate("the command line", in.boot.cmdline.size() + 1);
  write(d, cmdline_paddr, in.boot.cmdline.c_str(), in.boot.cmdline.size() + 1);
  out.cmdline = GuestRange{cmdline_paddr, in.boot.cmdline.size() + 1};
  return cmdline_paddr;
}

// Step 5: what hvmloader reads first: hvm_start_info (with the modules),
// hvm_info at 0x9F800.
void write_loader_tables(Domain& d, const Inputs& in, const Plan& plan, std::uint64_t cmdline_paddr, Outputs& out) {
  std::vector<StartInfoModule> listed;
  for (const Module& m : plan.modules) listed.push_back({m.name, m.paddr, m.bytes.size()});
  const std::vector<std::byte> page = make_start_info_page(kStartInfoPaddr, listed, cmdline_paddr);
  write(d, kStartInfoPaddr, page.data(), page.size());
  out.start_info = static_cast<std::uint32_t>(kStartInfoPaddr);
  const std::vector<std::byte> info = make_hvm_info(in.config.vcpus, plan.layout);
  write(d, kHvmInfoPaddr, info.data(), info.size());
}

// Step 6: the special pages zeroed and named (HVM params), vCPU 0 at the
// loader's entry.
void start_loader(Domain& d, const Inputs& in, const Plan& plan, Outputs& out) {
  common::xen_special::publish(d);
  out.store_pfn = common::xen_special::special_pfn(common::xen_special::xenstore);
  out.console_pfn = common::xen_special::special_pfn(common::xen_special::console);
  out.entry = plan.loader.entry;
  if (in.entry == EntryMode::legacy_jmp) {
    // The seed's (pre-4.7) entry: JMP rel32 to the ELF entry at address 0,
    // vCPU 0 started there with no start info.
    std::uint8_t jmp[5] = {0xE9};
    const std::uint32_t rel = plan.loader.entry - 5;
    std::memcpy(jmp + 1, &rel, 4);
    write(d, 0, jmp, sizeof jmp);
    d.set_vcpu_context(0, VcpuContext::flat32(0, 0));
  } else {
    d.set_vcpu_context(0, VcpuContext::flat32(plan.loader.entry, out.start_info));
  }
}

// xc_hvm_build's order: check and read, populate, load, place, describe, start.
void build(Domain& d, const Inputs& in, Outputs& out, const std::shared_ptr<std::atomic<bool>>& cancelled) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const std::function<void()> check = [&] {
    if (cancelled->load()) throw CancelledError("build_hvm: cancelled");
  };
  Plan plan = check_and_read_images(in, check);
  check();
  populate_memory(d, in, plan, out, check);
  out.populate_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  check();
  load_loader(d, plan);
  const std::uint64_t cmdline_paddr = place_modules(d, in, plan, out, check);
  write_loader_tables(d, in, plan, cmdline_paddr, out);
  start_loader(d, in, plan, out);
  out.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

}  // namespace

// A domain with nothing to boot but a disk boots the first disk's boot
// sector, which must then be in a format it reads. (A bootloader stage may
// still supply a kernel when the pipeline runs; the disk is then not read.)
void BuildHvmStage::check_domain(const DomainConfig& domain, const PlatformFeatures& /*platform*/) const {
  if (domain.kernel.empty() && domain.bios.empty() && !domain.disks.empty()) common::check_disk_format(domain, 0);
}

void BuildHvmStage::async_run(StageContext& ctx, Completion done) {
  Domain& domain = ctx.require_domain();
  // The images resolved when the pipeline was loaded, or (a stage run on its
  // own) the provider's answer now.
  std::shared_ptr<const FirmwareSet> images = ctx.firmware_images;
  if (!images && !ctx.firmware) throw Error("build_hvm: the pipeline has no firmware provider (plugins.firmware)");
  auto in = std::make_shared<Inputs>();
  in->config = ctx.config;
  in->boot = ctx.boot;
  in->entry = entry_;
  auto out = std::make_shared<Outputs>();
  FirmwareProvider* provider = ctx.firmware;
  auto cancelled = ctx.cancelled;
  run_blocking(
      ctx,
      [&domain, provider, images, in, out, cancelled] {
        in->firmware = images ? *images : provider->resolve(in->config);
        build(domain, *in, *out, cancelled);
      },
      [&ctx, in, out, cancelled, done = std::move(done)](std::exception_ptr error) {
        // Cancelled (timeout, signal): the runner may already be rolling
        // back, so report without touching the context.
        if (cancelled->load()) {
          done(error ? error : std::make_exception_ptr(CancelledError("build_hvm: cancelled")));
          return;
        }
        if (!error) {
          const ExtentCounts& e = out->extents;
          BuildState& s = ctx.state;
          s.store.frame = out->store_pfn;
          s.console.frame = out->console_pfn;
          s.entry_kind = in->entry == EntryMode::legacy_jmp ? EntryKind::legacy_jmp : EntryKind::hvm_start_info;
          s.entry = out->entry;
          s.start_info = out->start_info;
          s.cmdline = out->cmdline;
          s.modules = out->placed;
          s.memory = PopulatedMemory{{e.extents_1g, e.extents_2m, e.pages_4k}, out->special_4k};
          if (out->flash_window) s.flash_window = GuestRange{k4G - out->flash_window, out->flash_window};
          std::string mods;
          for (const PlacedModule& p : out->placed)
            mods += " " + p.name + "@" + hex(p.where.start) + "+" + hex(p.where.size);
          ctx.log.info("build_hvm: " + in->firmware.loader.path.string() + " entry " + hex(out->entry) +
                       (in->entry == EntryMode::legacy_jmp ? " (legacy jmp at 0)" : "") + ", memory " +
                       std::to_string(in->config.memory >> 20) + " MiB: " + std::to_string(e.extents_1g) + " x 1G, " +
                       std::to_string(e.extents_2m) + " x 2M, " + std::to_string(e.pages_4k) + " x 4K (+" +
                       std::to_string(out->special_4k) + " special" +
                       (out->flash_window ? ", flash window at " + hex(k4G - out->flash_window) : std::string()) +
                       ") in " + std::to_string(out->populate_time.count()) +
                       " ms; modules:" + (mods.empty() ? " none" : mods) + "; built in " +
                       std::to_string(out->total_time.count()) + " ms");
        }
        done(error);
      });
}

void BuildHvmStage::undo(StageContext& /*ctx*/) noexcept {
  // Everything build_hvm creates lives in the domain, which the runner
  // destroys after the undo chain; nothing of ours to release, any number of
  // times.
}

}  // namespace hvmtool::build_hvm
