// The direct-boot builder (build_pv) on the recording platform: guest memory
// after the build stage for a bzImage (zero page, E820, command line,
// ramdisk, page tables, GDT, long-mode vCPU) and for a PVH ELF
// (hvm_start_info, memmap, modlist, segments, flat 32-bit vCPU), extent
// counts with fallback, and malformed images rejected with exact messages
// while the domain is rolled back.
#define BOOST_TEST_MODULE build_pv
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <asm/bootparam.h>
#include <elf.h>
#include <stdint.h>

#include <xen/xen.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/params.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <typeinfo>

#include "hvmtool_common/elf_image.hpp"
#include "hvmtool_common/image_file.hpp"
#include "plugin/plugin_loader.hpp"
#include "runner/domain_run.hpp"
#include "support/recording_platform.hpp"
#include "support/stage_harness.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using hvmtool::test::NullLogger;
using hvmtool::test::slurp;

namespace {

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

template <typename T>
T at(const std::string& f, std::size_t off) {
  T t;
  std::memcpy(&t, f.data() + off, sizeof t);
  return t;
}
template <typename T>
void put(std::string& f, std::size_t off, T v) {
  std::memcpy(f.data() + off, &v, sizeof v);
}

constexpr std::uint64_t k4G = 1ull << 32;

// A recording platform under another platform's name and with its
// features, for what build_pv decides by the platform: "type pv belongs to
// xen's own builder", "an MP table for kvm's IOAPIC", "Xen's special pages".
class NamedPlatform final : public Platform {
 public:
  NamedPlatform(boost::asio::io_context& io, std::shared_ptr<test::CallLog> log, std::string name)
      : inner_(io, std::move(log)), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  PlatformFeatures features() const override {
    if (name_ == "kvm") return {.ioapic = true, .lapic = true};
    if (name_ == "xen") return {.xen_special_pages = true, .pv_domains = true, .lapic = true, .lapic_id_step = 2};
    return {};
  }
  void check_available() override { inner_.check_available(); }
  std::unique_ptr<Domain> create_domain(const DomainCreateInfo& info) override { return inner_.create_domain(info); }
  Store& store() override { return inner_.store(); }
  std::vector<DomainSummary> list_domains() override { return {}; }
  void destroy_domain(std::string_view n) override { inner_.destroy_domain(n); }

 private:
  test::RecordingPlatform inner_;
  std::string name_;
};

// Runs only the build stage on a fresh recording domain and keeps the domain.
struct Build {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  std::shared_ptr<test::CallLog> calls = std::make_shared<test::CallLog>();
  std::shared_ptr<Platform> platform;
  PluginLoader loader{{test::build_dir() / "plugins"}};
  NullLogger log;
  DomainConfig config;
  std::unique_ptr<StageContext> ctx;
  std::exception_ptr error;

  Build(DomainConfig c, test::RecordingOptions o = {}, std::string entry = "auto", std::string platform_name = "",
        bool cancel_first = false)
      : config(std::move(c)) {
    if (!platform_name.empty())
      platform = std::make_shared<NamedPlatform>(io, calls, platform_name);
    else
      platform = std::make_shared<test::RecordingPlatform>(io, calls, o);
    std::map<std::string, ParamValue> values{{"entry", ParamValue{entry, {}}}};
    auto stage = loader.create_stage("build_pv", StageSlot::build, PluginParams("build_pv", values));
    ctx = std::make_unique<StageContext>(config, *platform, nullptr, log, io, workers, ConsoleSink{});
    error = test::run_stage_alone(*stage, *ctx, io, cancel_first);
  }
  ~Build() { workers.join(); }

  test::RecordingDomain& dom() { return dynamic_cast<test::RecordingDomain&>(*ctx->domain); }
  std::string mem(std::uint64_t gpa, std::size_t len) { return test::guest_bytes(dom(), gpa, len); }
  template <typename T>
  T read(std::uint64_t gpa) {
    return test::guest_read<T>(dom(), gpa);
  }
  std::string cstr(std::uint64_t gpa) { return test::guest_cstr(dom(), gpa, 256); }
  const BuildState& state() const { return ctx->state; }
  void rethrow() {
    if (error) std::rethrow_exception(error);
  }
  std::string message() {
    try {
      rethrow();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "(no error)";
  }
};

DomainConfig domain(DomainType type, std::uint64_t memory, const fs::path& kernel) {
  DomainConfig c;
  c.name = "t";
  c.type = type;
  c.memory = memory;
  c.kernel = kernel;
  return c;
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * seed + i / 253) & 0xff));
  return s;
}

// Every page of [start, end) populated.
bool all_populated(Build& b, std::uint64_t start, std::uint64_t end) {
  for (std::uint64_t pfn = start >> 12; pfn < end >> 12; ++pfn)
    if (!b.dom().populated(pfn)) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bzimage_zero_page_page_tables_gdt_and_long_mode_entry) {
  test::TempDir tmp;
  const std::string kernel = slurp(TEST_BZIMAGE);
  const std::string ramdisk = pattern(70001, 7);
  DomainConfig c = domain(DomainType::pv, 128ull << 20, TEST_BZIMAGE);
  c.ramdisk = tmp.write("initrd.img", ramdisk);
  c.cmdline = "console=ttyS0 root=/dev/ram0 marker=42";
  Build b(c);
  b.rethrow();
  BOOST_TEST((b.state().entry_kind == EntryKind::linux64));

  // Zero page: the image's setup header, then what the loader fills in.
  BOOST_TEST(b.state().zero_page.value_or(0) == 0x7000u);
  const boot_params bp = b.read<boot_params>(0x7000);
  BOOST_TEST(bp.hdr.header == 0x53726448u);  // "HdrS"
  BOOST_TEST(bp.hdr.boot_flag == 0xAA55u);
  BOOST_TEST(bp.hdr.version == at<std::uint16_t>(kernel, 0x206));
  BOOST_TEST(bp.hdr.syssize == at<std::uint32_t>(kernel, 0x1f4));
  BOOST_TEST(bp.hdr.type_of_loader == 0xffu);
  BOOST_TEST(bp.hdr.cmd_line_ptr == 0x20000u);
  BOOST_TEST(bp.ext_cmd_line_ptr == 0u);
  BOOST_TEST(b.cstr(0x20000) == c.cmdline);
  BOOST_TEST(b.state().cmdline.value_or(GuestRange{}).start == 0x20000u);

  // E820: RAM below 640 KiB, RAM from 1 MiB to the end; 0xA0000-0xFFFFF out.
  BOOST_REQUIRE(bp.e820_entries == 2u);
  BOOST_TEST(bp.e820_table[0].addr == 0u);
  BOOST_TEST(bp.e820_table[0].size == 0xA0000u);
  BOOST_TEST(bp.e820_table[0].type == 1u);
  BOOST_TEST(bp.e820_table[1].addr == 0x100000u);
  BOOST_TEST(bp.e820_table[1].size == (128ull << 20) - 0x100000);
  BOOST_TEST(bp.e820_table[1].type == 1u);

  // Ramdisk: page aligned, as high as RAM and initrd_addr_max allow, intact.
  const std::uint64_t rd = bp.hdr.ramdisk_image;
  BOOST_TEST(bp.hdr.ramdisk_size == ramdisk.size());
  BOOST_TEST(bp.ext_ramdisk_image == 0u);
  BOOST_TEST(rd % 4096 == 0u);
  BOOST_TEST(rd + ramdisk.size() <= (128ull << 20));
  BOOST_TEST(rd + ramdisk.size() > (128ull << 20) - 4096);
  BOOST_TEST(rd + ramdisk.size() <= std::uint64_t(bp.hdr.initrd_addr_max) + 1);
  BOOST_TEST(b.state().ramdisk.value_or(GuestRange{}).start == rd);
  BOOST_TEST(b.state().ramdisk.value_or(GuestRange{}).size == ramdisk.size());
  BOOST_TEST((b.mem(rd, ramdisk.size()) == ramdisk));

  // The protected-mode kernel at 1 MiB, the rest of init_size zeroed.
  const std::size_t setup = (std::size_t(at<std::uint8_t>(kernel, 0x1f1)) + 1) * 512;
  const std::size_t sys = std::size_t(at<std::uint32_t>(kernel, 0x1f4)) * 16;
  BOOST_TEST((b.mem(0x100000, sys) == kernel.substr(setup, sys)));
  BOOST_TEST(rd >= 0x100000 + std::max<std::uint64_t>(sys, at<std::uint32_t>(kernel, 0x260)));

  // Identity page tables, 4 GiB of 2 MiB pages.
  BOOST_TEST(b.state().page_tables.value_or(0) == 0x9000u);
  BOOST_TEST(b.read<std::uint64_t>(0x9000) == (0xA000u | 3));
  for (unsigned i = 0; i < 4; ++i) BOOST_TEST(b.read<std::uint64_t>(0xA000 + 8 * i) == ((0xB000u + 0x1000 * i) | 3));
  BOOST_TEST(b.read<std::uint64_t>(0xA000 + 8 * 4) == 0u);
  bool pd_ok = true;
  for (std::uint64_t j = 0; j < 2048; ++j)
    if (b.read<std::uint64_t>(0xB000 + 8 * j) != ((j << 21) | 0x83)) pd_ok = false;
  BOOST_TEST(pd_ok);

  // GDT: 64-bit code at 0x10, flat data at 0x18.
  BOOST_TEST(b.read<std::uint64_t>(0x510) == 0x00af9b000000ffffull);
  BOOST_TEST(b.read<std::uint64_t>(0x518) == 0x00cf93000000ffffull);

  // vCPU 0: long mode at startup_64 (load address + 0x200), RSI = zero page.
  const VcpuContext& v = b.dom().vcpu_contexts().at(0);
  BOOST_TEST(v.rip == 0x100200u);
  BOOST_TEST(b.state().entry.value_or(0) == 0x100200u);
  BOOST_TEST(v.rsi == 0x7000u);
  BOOST_TEST(v.cr3 == 0x9000u);
  BOOST_TEST((v.cr0 & VcpuContext::kCr0Pg) != 0u);
  BOOST_TEST((v.cr0 & VcpuContext::kCr0Pe) != 0u);
  BOOST_TEST((v.cr4 & VcpuContext::kCr4Pae) != 0u);
  BOOST_TEST(v.efer == (VcpuContext::kEferLme | VcpuContext::kEferLma));
  BOOST_TEST(v.cs.selector == 0x10u);
  BOOST_TEST(v.cs.l == 1u);
  BOOST_TEST(v.cs.db == 0u);
  BOOST_TEST(v.ds.selector == 0x18u);
  BOOST_TEST(v.ss.selector == 0x18u);
  BOOST_TEST(v.gdt.base == 0x500u);
  BOOST_TEST(v.gdt.limit == 31u);
  BOOST_TEST((v.rflags & 0x200) == 0u);  // interrupts off

  // All RAM populated (the legacy area too), 2 MiB extents where granted.
  BOOST_TEST(all_populated(b, 0, 128ull << 20));
  BOOST_TEST(b.state().memory->ram.extents_2m == 64u);
  BOOST_TEST(b.state().memory->ram.pages_4k == 0u);
  BOOST_TEST(b.calls->index_of("unpause") == -1);
}

BOOST_AUTO_TEST_CASE(pvh_start_info_memmap_modlist_and_segments) {
  test::TempDir tmp;
  const std::string elf = slurp(TEST_PVHKERNEL);
  const std::string ramdisk = pattern(12345, 13);
  DomainConfig c = domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL);
  c.ramdisk = tmp.write("initrd.img", ramdisk);
  c.cmdline = "console=ttyS0 pvh=yes";
  Build b(c);
  b.rethrow();
  BOOST_TEST((b.state().entry_kind == EntryKind::hvm_start_info));

  // vCPU 0: flat 32-bit at the note's entry, EBX = start info.
  const auto eh = at<Elf32_Ehdr>(elf, 0);
  const VcpuContext& v = b.dom().vcpu_contexts().at(0);
  BOOST_TEST(v.rip == eh.e_entry);  // pvh_start is also the ELF entry
  BOOST_TEST(v.rbx == 0x6000u);
  BOOST_TEST(v.cr0 == (VcpuContext::kCr0Pe | VcpuContext::kCr0Et));
  BOOST_TEST(v.cs.db == 1u);
  BOOST_TEST(v.cs.l == 0u);
  BOOST_TEST(v.efer == 0u);

  const hvm_start_info si = b.read<hvm_start_info>(0x6000);
  BOOST_TEST(si.magic == XEN_HVM_START_MAGIC_VALUE);
  BOOST_TEST(si.version == 1u);
  BOOST_TEST(b.cstr(si.cmdline_paddr) == c.cmdline);
  BOOST_REQUIRE(si.nr_modules == 1u);
  const hvm_modlist_entry m = b.read<hvm_modlist_entry>(si.modlist_paddr);
  BOOST_TEST(m.size == ramdisk.size());
  BOOST_TEST(m.paddr % 4096 == 0u);
  BOOST_TEST(m.paddr + m.size <= (64ull << 20));
  BOOST_TEST((b.mem(m.paddr, m.size) == ramdisk));
  // The build state says the same.
  BOOST_TEST(b.state().start_info.value_or(0) == 0x6000u);
  BOOST_TEST(!b.state().zero_page);
  BOOST_TEST(b.state().entry.value_or(0) == eh.e_entry);
  BOOST_TEST((b.state().ramdisk == GuestRange{m.paddr, m.size}));
  BOOST_TEST((b.state().cmdline == GuestRange{si.cmdline_paddr, c.cmdline.size() + 1}));
  BOOST_REQUIRE(si.memmap_entries == 2u);
  const auto e0 = b.read<hvm_memmap_table_entry>(si.memmap_paddr);
  const auto e1 = b.read<hvm_memmap_table_entry>(si.memmap_paddr + sizeof e0);
  BOOST_TEST((e0.addr == 0 && e0.size == 0xA0000 && e0.type == XEN_HVM_MEMMAP_TYPE_RAM));
  BOOST_TEST((e1.addr == 0x100000 && e1.size == (64ull << 20) - 0x100000 && e1.type == XEN_HVM_MEMMAP_TYPE_RAM));
  // The start info page does not overlap what it points at.
  BOOST_TEST(si.memmap_paddr >= 0x6000 + sizeof si);

  // PT_LOAD segments at their physical addresses, bss zeroed.
  unsigned loads = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const auto ph = at<Elf32_Phdr>(elf, eh.e_phoff + i * sizeof(Elf32_Phdr));
    if (ph.p_type != PT_LOAD) continue;
    ++loads;
    BOOST_TEST((b.mem(ph.p_paddr, ph.p_filesz) == elf.substr(ph.p_offset, ph.p_filesz)));
    BOOST_TEST(
        (b.mem(ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz) == std::string(ph.p_memsz - ph.p_filesz, '\0')));
    BOOST_TEST(m.paddr >= ph.p_paddr + ph.p_memsz);
  }
  BOOST_TEST(loads >= 1u);
  BOOST_TEST(all_populated(b, 0, 64ull << 20));
}

// The MP table (MP specification 1.4) Linux finds in the BIOS area on kvm:
// its checksums, the processors (APIC id = vCPU index, the BSP first, the
// vCPUs beyond `vcpus` disabled), the ISA bus, KVM's IOAPIC, ISA IRQ n on
// IOAPIC pin n but the PIT's IRQ 0 on pin 2 and no IRQ 2 (the cascade), as
// the kvm platform routes them, ExtINT on LINT0 and NMI on LINT1.
BOOST_AUTO_TEST_CASE(mp_table_on_kvm_describes_the_in_kernel_irqchip) {
  auto sum = [](const std::string& s) {
    unsigned v = 0;
    for (char ch : s) v += static_cast<unsigned char>(ch);
    return v & 0xff;
  };
  for (DomainType type : {DomainType::pv, DomainType::pvh}) {
    DomainConfig c = domain(type, 64ull << 20, type == DomainType::pvh ? TEST_PVHKERNEL : TEST_BZIMAGE);
    c.vcpus = 2;
    c.maxvcpus = 3;
    Build b(c, {}, "auto", "kvm");
    b.rethrow();
    BOOST_TEST(b.state().mp_table.value_or(0) == 0xF0000u);
    const std::string fp = b.mem(0xF0000, 16);
    BOOST_TEST(fp.substr(0, 4) == "_MP_");
    BOOST_TEST(at<std::uint32_t>(fp, 4) == 0xF0010u);  // the configuration table
    BOOST_TEST(at<std::uint8_t>(fp, 8) == 1u);         // 16 bytes
    BOOST_TEST(at<std::uint8_t>(fp, 9) == 4u);         // version 1.4
    BOOST_TEST(sum(fp) == 0u);
    BOOST_TEST(fp.substr(11, 5) == std::string(5, '\0'));  // a table follows; virtual wire mode

    const std::uint16_t len = b.read<std::uint16_t>(0xF0014);
    const std::string t = b.mem(0xF0010, len);
    BOOST_TEST(t.substr(0, 4) == "PCMP");
    BOOST_TEST(at<std::uint8_t>(t, 6) == 4u);
    BOOST_TEST(sum(t) == 0u);
    BOOST_TEST(at<std::uint32_t>(t, 36) == 0xFEE00000u);  // local APICs
    const unsigned count = at<std::uint16_t>(t, 34);
    BOOST_TEST(count == 3u + 1 + 1 + 15 + 2);
    BOOST_TEST(len == 44u + 3 * 20 + 19 * 8);

    std::size_t off = 44;
    for (unsigned cpu = 0; cpu < 3; ++cpu, off += 20) {
      BOOST_TEST(at<std::uint8_t>(t, off) == 0u);
      BOOST_TEST(at<std::uint8_t>(t, off + 1) == cpu);  // APIC id
      BOOST_TEST(at<std::uint8_t>(t, off + 2) == 0x14u);
      BOOST_TEST(at<std::uint8_t>(t, off + 3) == (cpu == 0 ? 3u : cpu == 1 ? 1u : 0u));  // BSP|enabled, enabled, off
    }
    BOOST_TEST(at<std::uint8_t>(t, off) == 1u);
    BOOST_TEST(t.substr(off + 2, 6) == "ISA   ");
    off += 8;
    BOOST_TEST(at<std::uint8_t>(t, off) == 2u);
    const unsigned ioapic = at<std::uint8_t>(t, off + 1);
    BOOST_TEST(ioapic == 3u);  // after the LAPICs
    BOOST_TEST(at<std::uint8_t>(t, off + 3) == 1u);
    BOOST_TEST(at<std::uint32_t>(t, off + 4) == 0xFEC00000u);
    off += 8;
    for (unsigned irq : {0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) {
      BOOST_TEST(at<std::uint8_t>(t, off) == 3u);
      BOOST_TEST(at<std::uint8_t>(t, off + 1) == 0u);   // INT
      BOOST_TEST(at<std::uint16_t>(t, off + 2) == 0u);  // ISA: edge, active high
      BOOST_TEST(at<std::uint8_t>(t, off + 5) == irq);
      BOOST_TEST(at<std::uint8_t>(t, off + 6) == ioapic);
      BOOST_TEST(at<std::uint8_t>(t, off + 7) == (irq == 0 ? 2u : irq));
      off += 8;
    }
    BOOST_TEST(at<std::uint8_t>(t, off) == 4u);
    BOOST_TEST(at<std::uint8_t>(t, off + 1) == 3u);  // ExtINT
    BOOST_TEST(at<std::uint8_t>(t, off + 7) == 0u);  // LINT0
    BOOST_TEST(at<std::uint8_t>(t, off + 8) == 4u);
    BOOST_TEST(at<std::uint8_t>(t, off + 9) == 1u);   // NMI
    BOOST_TEST(at<std::uint8_t>(t, off + 15) == 1u);  // LINT1
  }
  // Not on other platforms: Xen's PVH guests have no IOAPIC or PIT.
  for (const char* other : {"", "xen"}) {
    Build b(domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL), {}, "auto", other);
    b.rethrow();
    BOOST_TEST(b.state().mp_table.value_or(0) == 0u);
    BOOST_TEST(b.mem(0xF0000, 16) == std::string(16, '\0'));
  }
  // More vCPUs than APIC ids below the IOAPIC's: a clear error before any memory is populated.
  {
    DomainConfig c = domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL);
    c.vcpus = 255;
    Build b(c, {}, "auto", "kvm");
    BOOST_TEST(b.message() == "build_pv: an MP table lists 1 to 254 vCPUs, not 255 of 255");
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  }
}

// ACPI tables for a PVH guest on a platform with local APICs and no IOAPIC
// (xen): RSDP → XSDT → hardware-reduced FADT → empty DSDT, and a MADT with
// one local APIC per vCPU numbered as Xen numbers them (0, 2, 4 …), those
// beyond `vcpus` not enabled; the RSDP's address in hvm_start_info. Without
// the MADT Linux runs uniprocessor and, on Xen, never arms its timer.
BOOST_AUTO_TEST_CASE(pvh_on_xen_gets_acpi_tables_listing_its_local_apics) {
  auto sum = [](const std::string& s) {
    unsigned v = 0;
    for (char ch : s) v += static_cast<unsigned char>(ch);
    return v & 0xff;
  };
  DomainConfig c = domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL);
  c.vcpus = 2;
  c.maxvcpus = 3;
  Build b(c, {}, "auto", "xen");
  b.rethrow();
  BOOST_TEST(b.state().acpi_rsdp.value_or(0) == 0xE0000u);
  BOOST_TEST(!b.state().mp_table.has_value());
  BOOST_TEST(b.read<hvm_start_info>(0x6000).rsdp_paddr == 0xE0000u);

  const std::string rsdp = b.mem(0xE0000, 36);
  BOOST_TEST(rsdp.substr(0, 8) == "RSD PTR ");
  BOOST_TEST(sum(rsdp.substr(0, 20)) == 0u);
  BOOST_TEST(sum(rsdp) == 0u);
  BOOST_TEST(at<std::uint8_t>(rsdp, 15) == 2u);    // ACPI 2.0+: the XSDT
  BOOST_TEST(at<std::uint32_t>(rsdp, 20) == 36u);  // length
  auto table = [&](std::uint64_t gpa, const char* sig) {
    const std::uint32_t len = b.read<std::uint32_t>(gpa + 4);
    const std::string t = b.mem(gpa, len);
    BOOST_TEST(t.substr(0, 4) == sig);
    BOOST_TEST(sum(t) == 0u, sig << " checksum");
    return t;
  };
  const std::string xsdt = table(at<std::uint64_t>(rsdp, 24), "XSDT");
  BOOST_REQUIRE(xsdt.size() == 36u + 2 * 8);
  const std::string fadt = table(at<std::uint64_t>(xsdt, 36), "FACP");
  BOOST_TEST(fadt.size() == 276u);
  BOOST_TEST(at<std::uint8_t>(fadt, 8) == 6u);                          // revision
  BOOST_TEST((at<std::uint32_t>(fadt, 112) & (1u << 20)) != 0u);        // HW_REDUCED_ACPI
  BOOST_TEST(at<std::uint16_t>(fadt, 109) == ((1u << 2) | (1u << 5)));  // no VGA, no CMOS RTC
  BOOST_TEST(at<std::uint32_t>(fadt, 40) == at<std::uint64_t>(fadt, 140));
  const std::string dsdt = table(at<std::uint64_t>(fadt, 140), "DSDT");
  BOOST_TEST(dsdt.size() == 36u);  // no AML: nothing to describe

  const std::string madt = table(at<std::uint64_t>(xsdt, 44), "APIC");
  BOOST_TEST(at<std::uint32_t>(madt, 36) == 0xFEE00000u);
  BOOST_TEST(at<std::uint32_t>(madt, 40) == 0u);  // no 8259s
  BOOST_REQUIRE(madt.size() == 44u + 3 * 8);
  for (unsigned cpu = 0; cpu < 3; ++cpu) {
    const std::size_t off = 44 + cpu * 8;
    BOOST_TEST(at<std::uint8_t>(madt, off) == 0u);  // processor local APIC
    BOOST_TEST(at<std::uint8_t>(madt, off + 1) == 8u);
    BOOST_TEST(at<std::uint8_t>(madt, off + 2) == cpu);
    BOOST_TEST(at<std::uint8_t>(madt, off + 3) == cpu * 2);
    BOOST_TEST(at<std::uint32_t>(madt, off + 4) == (cpu < 2 ? 1u : 0u));
  }

  // kvm's guests get the MP table instead; other platforms neither.
  for (const char* other : {"kvm", ""}) {
    Build o(domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL), {}, "auto", other);
    o.rethrow();
    BOOST_TEST(!o.state().acpi_rsdp.has_value());
    BOOST_TEST(o.read<hvm_start_info>(0x6000).rsdp_paddr == 0u);
    BOOST_TEST(o.mem(0xE0000, 8) == std::string(8, '\0'));
  }
  // APIC ids past 254 (129 vCPUs numbered in steps of 2): refused before any memory is populated.
  {
    DomainConfig many = domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL);
    many.vcpus = 129;
    Build m(many, {}, "auto", "xen");
    BOOST_TEST(m.message() ==
               "build_pv: a MADT lists local APIC ids up to 254, not 129 of 129 vCPUs numbered in steps of 2");
    BOOST_TEST(m.calls->index_of("populate_physmap") == -1);
  }
}

// On a platform whose guests find their console and xenstore through Xen's
// special pages (xen), a PVH build places them as libxenguest does: 16 pages
// at 0xFEFF0000, zeroed, named by the HVM params, and reserved in the
// memory map the guest is given. Elsewhere none are placed.
BOOST_AUTO_TEST_CASE(pvh_on_xen_places_the_special_pages) {
  DomainConfig c = domain(DomainType::pvh, 64ull << 20, TEST_PVHKERNEL);
  Build b(c, {}, "auto", "xen");
  b.rethrow();
  BOOST_TEST(b.calls->contains("populate_physmap gpfn=0xfeff0 extents=16 order=0"));
  BOOST_TEST(all_populated(b, 0xFEFF0000, 0xFF000000));
  BOOST_TEST(b.mem(0xFEFF0000, 0x10000).find_first_not_of('\0') ==
             0xE000u);  // the identity PT is the first non-zero page
  BOOST_TEST(b.dom().hvm_param(HVM_PARAM_STORE_PFN) == 0xFEFFCu);
  BOOST_TEST(b.dom().hvm_param(HVM_PARAM_CONSOLE_PFN) == 0xFEFFFu);
  BOOST_TEST(b.dom().hvm_param(HVM_PARAM_IDENT_PT) == 0xFEFFE000u);
  BOOST_TEST(b.read<std::uint32_t>(0xFEFFE000 + 4) == ((1u << 22) | 0xE7u));  // 4 MiB PSE, P RW US A D
  const hvm_start_info si = b.read<hvm_start_info>(0x6000);
  BOOST_REQUIRE(si.memmap_entries == 3u);
  const auto e2 = b.read<hvm_memmap_table_entry>(si.memmap_paddr + 2 * sizeof(hvm_memmap_table_entry));
  BOOST_TEST((e2.addr == 0xFEFF0000u && e2.size == 0x10000u && e2.type == XEN_HVM_MEMMAP_TYPE_RESERVED));
  BOOST_REQUIRE(b.ctx->state.memory.has_value());
  BOOST_TEST(b.ctx->state.memory->special_pages == 16u);
  BOOST_TEST(b.ctx->state.store.frame.value_or(0) == 0xFEFFCu);  // for build_post
  BOOST_TEST(b.ctx->state.console.frame.value_or(0) == 0xFEFFFu);

  Build elsewhere(c, {}, "auto", "kvm");
  elsewhere.rethrow();
  BOOST_TEST(elsewhere.calls->index_of("populate_physmap gpfn=0xfeff0") == -1);
  BOOST_TEST(elsewhere.calls->index_of("set_hvm_param") == -1);
  BOOST_TEST(elsewhere.ctx->state.memory->special_pages == 0u);
  BOOST_TEST(!elsewhere.ctx->state.store.frame.has_value());
}

BOOST_AUTO_TEST_CASE(pvh_note_found_through_sections_without_pt_note) {
  test::TempDir tmp;
  std::string elf = slurp(TEST_PVHKERNEL);
  const auto eh = at<Elf32_Ehdr>(elf, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::size_t o = eh.e_phoff + i * sizeof(Elf32_Phdr);
    if (at<Elf32_Phdr>(elf, o).p_type == PT_NOTE) put<Elf32_Word>(elf, o + offsetof(Elf32_Phdr, p_type), PT_NULL);
  }
  Build b(domain(DomainType::pvh, 16ull << 20, tmp.write("k.elf", elf)));
  b.rethrow();
  BOOST_TEST(b.dom().vcpu_contexts().at(0).rip == eh.e_entry);
}

// build_pv parses a PVH kernel from the ranges elf_parse_ranges names (the
// header, the program and section header tables, the notes), read into a
// sparse image, and reads the segments straight into guest memory: the
// parse must equal the whole file's, from a small part of the file.
BOOST_AUTO_TEST_CASE(pvh_kernels_are_parsed_from_their_headers_and_notes_alone) {
  const std::string whole = slurp(TEST_PVHKERNEL);
  const common::ImageFile file(TEST_PVHKERNEL, "kernel", {64ull << 20, {}});
  BOOST_REQUIRE(file.size() == whole.size());
  std::vector<common::SparseImage::Range> ranges;
  std::uint64_t read = 0;
  for (const common::ElfRange& r : common::elf_parse_ranges(
           file.size(), [&](std::uint64_t off, std::uint64_t len, std::byte*dst) { file.read_at(off, len, dst); })) {
    ranges.push_back({r.offset, r.size});
    read += r.size;
  }
  const common::SparseImage sparse(file, ranges);
  const auto bytes = [](const std::string& s) {
    return std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size());
  };
  const common::ElfImage a = common::parse_elf(bytes(whole), "k"), b = common::parse_elf(sparse.bytes(), "k");
  BOOST_REQUIRE(a.segments.size() == b.segments.size());
  for (std::size_t i = 0; i < a.segments.size(); ++i) {
    BOOST_TEST(a.segments[i].paddr == b.segments[i].paddr);
    BOOST_TEST(a.segments[i].offset == b.segments[i].offset);
    BOOST_TEST(a.segments[i].filesz == b.segments[i].filesz);
  }
  BOOST_REQUIRE(a.notes.size() == b.notes.size());
  for (std::size_t i = 0; i < a.notes.size(); ++i)
    BOOST_TEST(
        (a.notes[i].name == b.notes[i].name && a.notes[i].type == b.notes[i].type &&
         common::note_numeric(bytes(whole), "k", a.notes[i]) == common::note_numeric(sparse.bytes(), "k", b.notes[i])));
  std::uint64_t segment_bytes = 0;
  for (const common::ElfSegment& s : a.segments) segment_bytes += s.filesz;
  BOOST_TEST(read < segment_bytes / 4, read << " bytes read to parse, of " << segment_bytes << " in segments");
}

BOOST_AUTO_TEST_CASE(memory_above_4g_and_extent_fallback) {
  // 5 GiB: low RAM to 4 GiB - mmio_hole (default 256 MiB), the rest above 4 GiB.
  DomainConfig c = domain(DomainType::pv, 5ull << 30, TEST_BZIMAGE);
  {
    Build b(c);
    b.rethrow();
    const boot_params bp = b.read<boot_params>(0x7000);
    BOOST_REQUIRE(bp.e820_entries == 3u);
    BOOST_TEST(bp.e820_table[1].size == 0xF0000000ull - 0x100000);
    BOOST_TEST(bp.e820_table[2].addr == k4G);
    BOOST_TEST(bp.e820_table[2].size == (5ull << 30) - 0xF0000000ull);
    // [0, 3.75G): 3 x 1G + 384 x 2M; [4G, 5.25G): 1 x 1G + 128 x 2M.
    BOOST_TEST(b.state().memory->ram.extents_1g == 4u);
    BOOST_TEST(b.state().memory->ram.extents_2m == 512u);
    BOOST_TEST(b.state().memory->ram.pages_4k == 0u);
    BOOST_TEST(b.dom().populate_stats().extents_1g == 4u);
    BOOST_TEST(!b.dom().populated(0xF0000));  // the MMIO hole stays empty
  }
  {
    test::RecordingOptions o;
    o.max_order = 9;  // no 1 GiB pages: 2 MiB everywhere
    Build b(c, o);
    b.rethrow();
    BOOST_TEST(b.state().memory->ram.extents_1g == 0u);
    BOOST_TEST(b.state().memory->ram.extents_2m == 2560u);
  }
  {
    test::RecordingOptions o;
    o.max_order = 0;  // no huge pages at all
    c.memory = 64ull << 20;
    Build b(c, o);
    b.rethrow();
    BOOST_TEST(b.state().memory->ram.extents_2m == 0u);
    BOOST_TEST(b.state().memory->ram.pages_4k == 16384u);
    BOOST_TEST(b.dom().populate_stats().pages_4k == 16384u);
  }
}

BOOST_AUTO_TEST_CASE(entry_choice_and_platform_checks) {
  // entry: pvh forces the PVH path on a pv domain; a bzImage then is no ELF.
  {
    Build b(domain(DomainType::pv, 16ull << 20, TEST_PVHKERNEL), {}, "pvh");
    b.rethrow();
    BOOST_TEST((b.state().entry_kind == EntryKind::hvm_start_info));
  }
  {
    Build b(domain(DomainType::pvh, 16ull << 20, TEST_BZIMAGE), {}, "linux64");
    b.rethrow();
    BOOST_TEST((b.state().entry_kind == EntryKind::linux64));
  }
  {
    Build b(domain(DomainType::pvh, 16ull << 20, TEST_BZIMAGE));
    BOOST_TEST(b.message() == std::string(TEST_BZIMAGE) + ": offset 0x0: not an ELF file (bad magic)");
  }
  // Classic PV on xen is the xen platform's builder.
  {
    Build b(domain(DomainType::pv, 16ull << 20, TEST_BZIMAGE), {}, "auto", "xen");
    BOOST_TEST(b.message() ==
               "build_pv: domain 't' is type pv on xen: a classic PV kernel is built by the xen platform's PV "
               "builder, not build_pv (stages: {build: build_xen_pv}), or use type: pvh");
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  }
  // Command line longer than the kernel's cmdline_size (2047 for the test kernel).
  {
    DomainConfig c = domain(DomainType::pv, 16ull << 20, TEST_BZIMAGE);
    c.cmdline = std::string(2048, 'x');
    Build b(c);
    BOOST_TEST(b.message() == std::string(TEST_BZIMAGE) +
                                  ": offset 0x238: the command line is 2048 bytes, more than the kernel's cmdline_size "
                                  "(2047)");
  }
  // A ramdisk that does not fit between the kernel and the end of RAM.
  {
    test::TempDir tmp;
    DomainConfig c = domain(DomainType::pv, 8ull << 20, TEST_BZIMAGE);
    c.ramdisk = tmp.write("big.img", std::string(7 << 20, 'r'));
    Build b(c);
    BOOST_TEST(b.message() == "build_pv: no room for the ramdisk " + c.ramdisk.string() +
                                  " (0x700000 bytes) between the kernel's end 0x103000 and 0x800000");
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  }
  // A relocatable kernel moves itself up to pref_address before it runs:
  // the ramdisk stays clear of pref_address + init_size.
  {
    test::TempDir tmp;
    std::string k = slurp(TEST_BZIMAGE);
    k[0x234] = 1;
    put<std::uint64_t>(k, 0x258, 0x1000000);
    put<std::uint32_t>(k, 0x260, 0x200000);
    DomainConfig c = domain(DomainType::pv, 20ull << 20, tmp.write("reloc.bzImage", k));
    c.ramdisk = tmp.write("rd.img", std::string(3 << 20, 'r'));
    Build b(c);
    BOOST_TEST(b.message() == "build_pv: no room for the ramdisk " + c.ramdisk.string() +
                                  " (0x300000 bytes) between the kernel's end 0x1200000 and 0x1400000");
    c.memory = 24ull << 20;
    Build b2(c);
    b2.rethrow();
    BOOST_TEST(b2.state().ramdisk.value_or(GuestRange{}).start == 0x1500000u);
  }
  {
    DomainConfig c = domain(DomainType::pv, 16ull << 20, "");
    Build b(c);
    BOOST_TEST(b.message() == "build_pv: no kernel (domain.kernel) to boot");
  }
}

// Kernel and ramdisk sizes are held against the guest's RAM from stat
// alone: a sparse 2 GiB kernel or a 1 TiB ramdisk is refused at once, the
// ramdisk before the kernel is even read, and nothing is populated.
BOOST_AUTO_TEST_CASE(images_that_cannot_fit_are_refused_before_they_are_read) {
  test::TempDir tmp;
  auto sparse = [&](const std::string& name, std::uint64_t size) {
    const fs::path p = tmp.write(name, "");
    fs::resize_file(p, size);
    return p;
  };
  const std::string ram = "more than the 0x3f00000 bytes of RAM from 1 MiB";
  {
    DomainConfig c = domain(DomainType::pv, 64ull << 20, sparse("kernel", 2ull << 30));
    const auto t0 = std::chrono::steady_clock::now();
    Build b(c);
    const auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(b.message() == c.kernel.string() + ": offset 0x3f00000: kernel is 0x80000000 bytes, " + ram);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 2000);
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  }
  {
    DomainConfig c = domain(DomainType::pv, 64ull << 20, sparse("kernel2", 2ull << 30));
    c.ramdisk = sparse("initrd", 1ull << 40);
    Build b(c);
    BOOST_TEST(b.message() == c.ramdisk.string() + ": offset 0x3f00000: ramdisk is 0x10000000000 bytes, " + ram);
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  }
}

// ---- PVH notes -------------------------------------------------------------

namespace {

// The test kernel with its PT_NOTE pointed at `blob`, appended at `where`
// (padded with zeros up to it), and no section headers.
std::string with_notes(std::string f, std::size_t where, const std::string& blob, std::uint32_t align = 4) {
  std::size_t ph = 0;
  const auto eh = at<Elf32_Ehdr>(f, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::size_t o = eh.e_phoff + i * sizeof(Elf32_Phdr);
    if (at<Elf32_Phdr>(f, o).p_type == PT_NOTE) ph = o;
  }
  f.resize(where, '\0');
  f += blob;
  put<Elf32_Off>(f, ph + offsetof(Elf32_Phdr, p_offset), static_cast<Elf32_Off>(where));
  put<Elf32_Word>(f, ph + offsetof(Elf32_Phdr, p_filesz), static_cast<Elf32_Word>(blob.size()));
  put<Elf32_Word>(f, ph + offsetof(Elf32_Phdr, p_align), align);
  put<Elf32_Half>(f, offsetof(Elf32_Ehdr, e_shnum), 0);
  put<Elf32_Off>(f, offsetof(Elf32_Ehdr, e_shoff), 0);
  return f;
}

std::string note(const std::string& name, std::uint32_t type, const std::string& desc) {
  std::string n(12, '\0');
  put<std::uint32_t>(n, 0, static_cast<std::uint32_t>(name.size() + 1));
  put<std::uint32_t>(n, 4, static_cast<std::uint32_t>(desc.size()));
  put<std::uint32_t>(n, 8, type);
  n += name;
  n.push_back('\0');
  n.resize((n.size() + 3) & ~std::size_t(3), '\0');
  n += desc;
  n.resize((n.size() + 3) & ~std::size_t(3), '\0');
  return n;
}

std::string entry_note(std::uint32_t entry) {
  std::string d(4, '\0');
  put<std::uint32_t>(d, 0, entry);
  return note("Xen", 18, d);
}

std::size_t note_phdr(const std::string& f) {
  const auto eh = at<Elf32_Ehdr>(f, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::size_t o = eh.e_phoff + i * sizeof(Elf32_Phdr);
    if (at<Elf32_Phdr>(f, o).p_type == PT_NOTE) return o;
  }
  return 0;
}

}  // namespace

// Two XEN_ELFNOTE_PHYS32_ENTRY notes that disagree (the first used to win),
// notes at an offset their alignment forbids, or in a segment of an
// alignment no note layout has, are refused; identical duplicates and
// 8-byte-aligned notes are read.
BOOST_AUTO_TEST_CASE(pvh_entry_notes_conflicting_or_misaligned) {
  test::TempDir tmp;
  const std::string elf = slurp(TEST_PVHKERNEL);
  const std::uint32_t entry = at<Elf32_Ehdr>(elf, 0).e_entry;
  const std::size_t end = (elf.size() + 7) & ~std::size_t(7);
  auto build = [&](const std::string& bytes) {
    return std::make_unique<Build>(domain(DomainType::pvh, 64ull << 20, tmp.write("k.elf", bytes)));
  };
  const std::string file = (tmp.path() / "k.elf").string();
  {
    auto b = build(with_notes(elf, end, entry_note(entry) + entry_note(entry + 1)));
    BOOST_TEST(b->message() == file + ": offset " + hex(end + 20 + 16) +
                                   ": a second PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) says " + hex(entry + 1) +
                                   ", the one at offset " + hex(end) + " says " + hex(entry));
    BOOST_TEST(b->calls->index_of("populate_physmap") == -1);
  }
  {
    auto b = build(with_notes(elf, end, entry_note(entry) + note("Xen", 6, "lnx") + entry_note(entry)));
    b->rethrow();
    BOOST_TEST(b->dom().vcpu_contexts().at(0).rip == entry);
  }
  {
    auto b = build(with_notes(elf, end + 2, entry_note(entry)));
    BOOST_TEST(b->message() == file + ": offset " + hex(note_phdr(elf) + 4) +
                                   ": note segment 1 starts at file offset " + hex(end + 2) + ", not 4-byte aligned");
  }
  {
    auto b = build(with_notes(elf, end + 4, entry_note(entry), 8));
    BOOST_TEST(b->message() == file + ": offset " + hex(note_phdr(elf) + 4) +
                                   ": note segment 1 starts at file offset " + hex(end + 4) + ", not 8-byte aligned");
  }
  {
    auto b = build(with_notes(elf, end, entry_note(entry), 16));
    BOOST_TEST(b->message() ==
               file + ": offset " + hex(note_phdr(elf) + 28) + ": note segment 1 alignment 0x10 is not 4 or 8");
  }
  {
    // 8-byte alignment: a 5-byte name pads to 8 before the descriptor.
    std::string n(12, '\0');
    put<std::uint32_t>(n, 0, 4);
    put<std::uint32_t>(n, 4, 3);
    put<std::uint32_t>(n, 8, 1);
    n += std::string("GNU\0", 4) + std::string("abc\0\0\0\0\0", 8);
    auto b = build(with_notes(elf, end, n + entry_note(entry), 8));
    b->rethrow();
    BOOST_TEST(b->dom().vcpu_contexts().at(0).rip == entry);
  }
}

// A note name is guest bytes: an ESC sequence or a NUL in it reaches the
// message escaped, and the reason after it is still there.
BOOST_AUTO_TEST_CASE(note_names_are_escaped_in_messages) {
  const std::string name = std::string("Xen\x1b[2J", 7) + std::string("\0tail", 5);
  std::string elf = slurp(TEST_PVHKERNEL);
  elf = with_notes(elf, (elf.size() + 7) & ~std::size_t(7), note(name, 18, "abc"));
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(elf.data()), elf.size());
  const common::ElfImage img = common::parse_elf(bytes, "k.elf");
  BOOST_REQUIRE_EQUAL(img.notes.size(), 1u);
  try {
    common::note_numeric(bytes, "k.elf", img.notes[0]);
    BOOST_FAIL("a 3-byte descriptor was read as a number");
  } catch (const ImageError& e) {
    const std::string m = e.what();
    BOOST_TEST(m == "k.elf: offset " + hex(img.notes[0].offset + 4) +
                        ": note 'Xen\\x1b[2J' type 18 has a 3-byte descriptor (expected 1, 2, 4 or 8)");
    BOOST_TEST(m.find('\x1b') == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_cancelled_build_stops_before_populating) {
  Build b(domain(DomainType::pv, 64ull << 20, TEST_BZIMAGE), {}, "auto", "", true);
  BOOST_CHECK_THROW(b.rethrow(), CancelledError);
  BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  BOOST_TEST(!b.state().entry);
}

// ---- malformed images ------------------------------------------------------

namespace {

struct Case {
  std::string name;
  std::function<void(std::string&)> mutate;
  std::function<std::string(const std::string& original)> reason;  // after "FILE: "
};

std::string off(std::uint64_t o) { return "offset " + hex(o) + ": "; }

// The test kernel's protected-mode bytes as the boot protocol counts them:
// syssize paragraphs, within the file after the 1024-byte setup.
std::uint64_t pm_bytes(const std::string& k) {
  return std::min<std::uint64_t>(std::uint64_t(at<std::uint32_t>(k, 0x1f4)) * 16, k.size() - 1024);
}

std::vector<Case> bzimage_cases() {
  return {
      {"empty file", [](std::string& f) { f.clear(); }, [](const std::string&) { return off(0) + "kernel is empty"; }},
      {"truncated setup", [](std::string& f) { f.resize(0x200); },
       [](const std::string&) { return off(0) + "truncated setup header (0x200 bytes, need at least 0x208)"; }},
      {"bad boot flag", [](std::string& f) { f[0x1fe] = 0; },
       [](const std::string&) { return off(0x1fe) + "boot flag 0xaa00 is not 0xaa55"; }},
      {"bad HdrS", [](std::string& f) { f[0x203] = 'X'; },
       [](const std::string&) { return off(0x202) + "no \"HdrS\" setup header signature (not a bzImage)"; }},
      {"too-old protocol", [](std::string& f) { put<std::uint16_t>(f, 0x206, 0x0206); },
       [](const std::string&) { return off(0x206) + "boot protocol 2.06 is too old (the 64-bit entry needs 2.12)"; }},
      {"not loaded high", [](std::string& f) { f[0x211] = 0; },
       [](const std::string&) { return off(0x211) + "loadflags 0x0 lack LOADED_HIGH (a zImage, not a bzImage)"; }},
      {"setup_sects beyond file", [](std::string& f) { f[0x1f1] = static_cast<char>(200); },
       [](const std::string& o) {
         return off(0x1f1) + "setup_sects 200: setup of 0x19200 bytes beyond the end of the file (" + hex(o.size()) +
                " bytes)";
       }},
      {"header end beyond setup", [](std::string& f) { f[0x201] = 0; },
       [](const std::string&) {
         return off(0x201) +
                "setup header end 0x202 is outside 0x26c-0x400 (protocol 2.15's fields to the end of setup)";
       }},
      {"syssize beyond file",
       [](std::string& f) { put<std::uint32_t>(f, 0x1f4, static_cast<std::uint32_t>(f.size() / 16)); },
       [](const std::string& o) {
         const std::uint64_t s = o.size() / 16;
         return off(0x1f4) + "syssize " + hex(s) + " (" + hex(s * 16) +
                " bytes from 0x400) beyond the end of the file (" + hex(o.size()) + " bytes)";
       }},
      {"syssize zero", [](std::string& f) { put<std::uint32_t>(f, 0x1f4, 0); },
       [](const std::string&) { return off(0x1f4) + "syssize is 0: no protected-mode kernel"; }},
      {"missing 64-bit support", [](std::string& f) { put<std::uint16_t>(f, 0x236, 0); },
       [](const std::string&) { return off(0x236) + "xloadflags 0x0 lack XLF_KERNEL_64 (no 64-bit entry point)"; }},
      {"init_size beyond RAM", [](std::string& f) { put<std::uint32_t>(f, 0x260, 0x10000000); },
       [](const std::string&) {
         return off(0x260) + "the kernel needs 0x10000000 bytes from 0x100000, beyond the end of RAM at 0x4000000";
       }},
      // Each field on its own merits, in the protocol's order: what used to
      // hide behind the XLF_KERNEL_64 check (xloadflags cleared too) or pass.
      {"absurd protocol version", [](std::string& f) { put<std::uint16_t>(f, 0x206, 0xffff); },
       [](const std::string&) { return off(0x206) + "boot protocol 255.255 is not a 2.xx version"; }},
      {"absurd protocol version, no 64-bit entry either",
       [](std::string& f) {
         put<std::uint16_t>(f, 0x206, 0x0a00);
         put<std::uint16_t>(f, 0x236, 0);
       },
       [](const std::string&) { return off(0x206) + "boot protocol 10.00 is not a 2.xx version"; }},
      {"jump is not a short jump", [](std::string& f) { f[0x200] = static_cast<char>(0xe9); },
       [](const std::string&) { return off(0x200) + "jump 0xe9 at 0x200 is not a short jump (0xeb)"; }},
      {"header ends before the version's fields", [](std::string& f) { f[0x201] = static_cast<char>(0x80); },
       [](const std::string&) {
         return off(0x201) +
                "setup header end 0x182 is outside 0x26c-0x400 (protocol 2.15's fields to the end of setup)";
       }},
      {"code32_start outside the kernel", [](std::string& f) { put<std::uint32_t>(f, 0x214, 0x90000); },
       [](const std::string& o) {
         return off(0x214) + "code32_start 0x90000 is outside the kernel loaded at 0x100000-" +
                hex(0x100000 + pm_bytes(o) - 1);
       }},
      {"kernel_alignment not a power of two, no 64-bit entry either",
       [](std::string& f) {
         put<std::uint32_t>(f, 0x230, 0x300000);
         put<std::uint16_t>(f, 0x236, 0);
       },
       [](const std::string&) { return off(0x230) + "kernel_alignment 0x300000 is not a power of two"; }},
      {"min_alignment above kernel_alignment", [](std::string& f) { f[0x235] = 22; },
       [](const std::string&) {
         return off(0x235) + "min_alignment 22 (2^22) is larger than kernel_alignment 0x200000";
       }},
      {"64-bit entry beyond the loaded kernel", [](std::string& f) { put<std::uint32_t>(f, 0x1f4, 0x20); },
       [](const std::string&) {
         return off(0x236) + "the 64-bit entry at 0x100200 is beyond the 0x200-byte protected-mode kernel";
       }},
      {"cmdline_size 0 takes no command line", [](std::string& f) { put<std::uint32_t>(f, 0x238, 0); },
       [](const std::string&) {
         return off(0x238) + "the command line is 13 bytes, more than the kernel's cmdline_size (0)";
       }},
      {"payload beyond the kernel",
       [](std::string& f) {
         put<std::uint32_t>(f, 0x248, 0x10);
         put<std::uint32_t>(f, 0x24c, static_cast<std::uint32_t>(pm_bytes(f)));
       },
       [](const std::string& o) {
         return off(0x248) + "payload 0x10+" + hex(pm_bytes(o)) + " is beyond the " + hex(pm_bytes(o)) +
                "-byte protected-mode kernel";
       }},
      {"pref_address not page aligned", [](std::string& f) { put<std::uint64_t>(f, 0x258, 0x100800); },
       [](const std::string&) { return off(0x258) + "pref_address 0x100800 is not page aligned"; }},
      {"pref_address below 1 MiB", [](std::string& f) { put<std::uint64_t>(f, 0x258, 0x80000); },
       [](const std::string&) { return off(0x258) + "pref_address 0x80000 is below 0x100000"; }},
      {"pref_address beyond RAM", [](std::string& f) { put<std::uint64_t>(f, 0x258, 0x10000000); },
       [](const std::string&) { return off(0x258) + "pref_address 0x10000000 is beyond the end of RAM at 0x4000000"; }},
      {"fixed kernel that runs beyond RAM",
       [](std::string& f) {
         put<std::uint64_t>(f, 0x258, 0x3c00000);
         put<std::uint32_t>(f, 0x260, 0x800000);
       },
       [](const std::string&) {
         return off(0x258) +
                "the kernel runs at 0x3c00000 and needs 0x800000 bytes there (init_size), beyond the end of RAM at "
                "0x4000000";
       }},
      {"init_size smaller than the kernel", [](std::string& f) { put<std::uint32_t>(f, 0x260, 0x100); },
       [](const std::string& o) {
         return off(0x260) + "init_size 0x100 is smaller than the " + hex(pm_bytes(o)) + "-byte protected-mode kernel";
       }},
      {"kernel_info_offset beyond the kernel", [](std::string& f) { put<std::uint32_t>(f, 0x268, 0x100000); },
       [](const std::string& o) {
         return off(0x268) + "kernel_info_offset 0x100000 is beyond the " + hex(pm_bytes(o)) +
                "-byte protected-mode kernel";
       }},
  };
}

// Offsets in the PVH test kernel: its PT_LOAD and PT_NOTE program headers and
// the Xen note inside the PT_NOTE segment.
std::size_t phdr_of(const std::string& f, std::uint32_t type) {
  const auto eh = at<Elf32_Ehdr>(f, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::size_t o = eh.e_phoff + i * sizeof(Elf32_Phdr);
    if (at<Elf32_Phdr>(f, o).p_type == type) return o;
  }
  throw std::runtime_error("pvhkernel.elf: no program header of type " + std::to_string(type));
}
std::size_t note_of(const std::string& f) { return at<Elf32_Phdr>(f, phdr_of(f, PT_NOTE)).p_offset; }
Elf32_Phdr load_ph(const std::string& f) { return at<Elf32_Phdr>(f, phdr_of(f, PT_LOAD)); }
// Drop the section headers, so that the PT_NOTE is the only place notes are.
void no_sections(std::string& f) {
  put<Elf32_Half>(f, offsetof(Elf32_Ehdr, e_shnum), 0);
  put<Elf32_Off>(f, offsetof(Elf32_Ehdr, e_shoff), 0);
}

std::vector<Case> pvh_cases() {
  return {
      {"truncated ELF header", [](std::string& f) { f.resize(40); },
       [](const std::string&) { return off(0) + "truncated ELF header (40 bytes, need 52)"; }},
      {"bad ELF magic", [](std::string& f) { f[1] = 'X'; },
       [](const std::string&) { return off(0) + "not an ELF file (bad magic)"; }},
      {"ELF without PVH note",
       [](std::string& f) { put<Elf32_Word>(f, note_of(f) + offsetof(Elf32_Nhdr, n_type), 17); },
       [](const std::string&) {
         return off(0) +
                "no PVH entry note (Xen note type 18, XEN_ELFNOTE_PHYS32_ENTRY) among the 1 note(s) of its PT_NOTE "
                "segments and SHT_NOTE sections";
       }},
      {"no notes at all",
       [](std::string& f) {
         put<Elf32_Word>(f, phdr_of(f, PT_NOTE) + offsetof(Elf32_Phdr, p_type), PT_NULL);
         no_sections(f);
       },
       [](const std::string&) {
         return off(0) +
                "no PVH entry note (Xen note type 18, XEN_ELFNOTE_PHYS32_ENTRY) among the 0 note(s) of its PT_NOTE "
                "segments and SHT_NOTE sections";
       }},
      {"note descriptor truncated",
       [](std::string& f) {
         put<Elf32_Word>(f, phdr_of(f, PT_NOTE) + offsetof(Elf32_Phdr, p_filesz), 16);
         no_sections(f);
       },
       [](const std::string& o) {
         return off(note_of(o) + 4) + "note descriptor (0x4 bytes) runs past the end of note segment 1 at " +
                hex(note_of(o) + 16);
       }},
      {"note header truncated",
       [](std::string& f) { put<Elf32_Word>(f, phdr_of(f, PT_NOTE) + offsetof(Elf32_Phdr, p_filesz), 8); },
       [](const std::string& o) {
         return off(note_of(o)) + "note header truncated: 0x8 bytes left in note segment 1 (need 0xc)";
       }},
      {"note name beyond segment",
       [](std::string& f) { put<Elf32_Word>(f, note_of(f) + offsetof(Elf32_Nhdr, n_namesz), 0x1000); },
       [](const std::string& o) {
         return off(note_of(o)) + "note name (0x1000 bytes) runs past the end of note segment 1 at " +
                hex(note_of(o) + 20);
       }},
      {"note of odd size", [](std::string& f) { put<Elf32_Word>(f, note_of(f) + offsetof(Elf32_Nhdr, n_descsz), 3); },
       [](const std::string& o) {
         return off(note_of(o) + 4) + "note 'Xen' type 18 has a 3-byte descriptor (expected 1, 2, 4 or 8)";
       }},
      {"note segment beyond file",
       [](std::string& f) {
         put<Elf32_Off>(f, phdr_of(f, PT_NOTE) + offsetof(Elf32_Phdr, p_offset), static_cast<Elf32_Off>(f.size()));
       },
       [](const std::string& o) {
         return off(phdr_of(o, PT_NOTE) + 4) + "note segment 1 data " + hex(o.size()) +
                "+0x14 beyond the end of the file (" + hex(o.size()) + " bytes)";
       }},
      {"entry outside the segments", [](std::string& f) { put<std::uint32_t>(f, note_of(f) + 16, 0x3000000); },
       [](const std::string& o) {
         return off(note_of(o) + 16) + "PVH entry 0x3000000 is not inside a loadable segment";
       }},
      {"segment beyond RAM",
       [](std::string& f) { put<Elf32_Addr>(f, phdr_of(f, PT_LOAD) + offsetof(Elf32_Phdr, p_paddr), 0x3fff000); },
       [](const std::string& o) {
         return off(phdr_of(o, PT_LOAD) + 12) + "segment 0 at 0x3fff000-" + hex(0x3fff000 + load_ph(o).p_memsz - 1) +
                " is outside the RAM available to the kernel (0x100000-0x3ffffff)";
       }},
      {"segment below 1 MiB",
       [](std::string& f) { put<Elf32_Addr>(f, phdr_of(f, PT_LOAD) + offsetof(Elf32_Phdr, p_paddr), 0x8000); },
       [](const std::string& o) {
         return off(phdr_of(o, PT_LOAD) + 12) + "segment 0 at 0x8000-" + hex(0x8000 + load_ph(o).p_memsz - 1) +
                " is outside the RAM available to the kernel (0x100000-0x3ffffff)";
       }},
      {"segment data beyond file",
       [](std::string& f) {
         put<Elf32_Off>(f, phdr_of(f, PT_LOAD) + offsetof(Elf32_Phdr, p_offset), static_cast<Elf32_Off>(f.size()));
       },
       [](const std::string& o) {
         return off(phdr_of(o, PT_LOAD) + 4) + "segment 0 data " + hex(o.size()) + "+" + hex(load_ph(o).p_filesz) +
                " beyond the end of the file (" + hex(o.size()) + " bytes)";
       }},
      {"filesz > memsz",
       [](std::string& f) {
         put<Elf32_Word>(f, phdr_of(f, PT_LOAD) + offsetof(Elf32_Phdr, p_filesz), load_ph(f).p_memsz + 1);
       },
       [](const std::string& o) {
         return off(phdr_of(o, PT_LOAD) + 16) + "segment 0 file size " + hex(load_ph(o).p_memsz + 1) +
                " exceeds its memory size " + hex(load_ph(o).p_memsz);
       }},
      {"program headers beyond file",
       [](std::string& f) { put<Elf32_Off>(f, offsetof(Elf32_Ehdr, e_phoff), static_cast<Elf32_Off>(f.size() - 8)); },
       [](const std::string& o) {
         return off(0x1c) + "program headers " + hex(o.size() - 8) + "+0x40 beyond the end of the file (" +
                hex(o.size()) + " bytes)";
       }},
      {"not x86", [](std::string& f) { put<Elf32_Half>(f, offsetof(Elf32_Ehdr, e_machine), EM_ARM); },
       [](const std::string&) { return off(0x12) + "not an x86 image (e_machine 40)"; }},
  };
}

void run_malformed(const std::string& original, DomainType type, const std::vector<Case>& cases) {
  PluginLoader loader{{test::build_dir() / "plugins"}};
  for (const Case& k : cases) {
    BOOST_TEST_CONTEXT("case " << k.name) {
      test::TempDir tmp;
      std::string bytes = original;
      k.mutate(bytes);
      const fs::path file = tmp.write("kernel", bytes);
      boost::asio::io_context io;
      boost::asio::thread_pool workers{1};
      auto calls = std::make_shared<test::CallLog>();
      NullLogger log;
      ResolvedPipeline p;
      p.platform = std::make_shared<test::RecordingPlatform>(io, calls);
      for (StageSlot slot : kStageOrder) {
        std::string plugin = slot == StageSlot::bootloader ? "none" : slot == StageSlot::build ? "build_pv" : "core";
        p.stages[index_of(slot)] = loader.create_stage(plugin, slot, PluginParams{});
        p.plugin_names[index_of(slot)] = plugin;
      }
      DomainConfig c = domain(type, 64ull << 20, file);
      c.cmdline = "console=ttyS0";
      std::optional<RunResult> result;
      auto run = std::make_shared<DomainRun>(io, workers, c, std::move(p), log, ConsoleSink{});
      run->start([&](const RunResult& r) { result = r; });
      while (!result && io.run_one_for(10s)) {
      }
      workers.join();
      BOOST_REQUIRE(result);
      BOOST_TEST(to_string(result->outcome) == "failed");
      BOOST_TEST(result->message == "stage build (build_pv) failed: " + file.string() + ": " + k.reason(original));
      BOOST_TEST(calls->entries().back() == "destroy 1");
      BOOST_TEST(calls->index_of("populate_physmap") == -1);  // checked before any memory is touched
      BOOST_TEST(calls->index_of("unpause") == -1);
    }
  }
}

}  // namespace

// Random corruption of the headers never gets past the checks unnoticed:
// every outcome is a successful build or a one-line Error (ImageError for the
// image itself), never a crash or another exception. Fixed seed, so a
// failure is reproducible; the sanitizer build makes it a memory-safety test.
BOOST_AUTO_TEST_CASE(random_header_corruption_is_caught) {
  test::TempDir tmp;
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  struct Subject {
    const char* path;
    DomainType type;
    std::size_t span;  // bytes at the start of the file that are mutated
  };
  for (const Subject& subject :
       {Subject{TEST_BZIMAGE, DomainType::pv, 0x280}, Subject{TEST_PVHKERNEL, DomainType::pvh, 0x200}}) {
    const std::string original = slurp(subject.path);
    const fs::path file = tmp.path() / "mutant";
    unsigned ok = 0, rejected = 0;
    for (int i = 0; i < 300; ++i) {
      std::string f = original;
      const int n = 1 + static_cast<int>(next() % 4);
      for (int j = 0; j < n; ++j) f[next() % std::min(subject.span, f.size())] = static_cast<char>(next());
      if (next() % 8 == 0) f.resize(next() % f.size());
      tmp.write("mutant", f);
      Build b(domain(subject.type, 16ull << 20, file));
      try {
        b.rethrow();
        ++ok;
      } catch (const Error& e) {
        ++rejected;
        BOOST_TEST(std::string(e.what()).find('\n') == std::string::npos);
      } catch (const std::exception& e) {
        BOOST_ERROR("mutation " << i << " of " << subject.path << ": unexpected " << typeid(e).name() << ": "
                                << e.what());
      }
    }
    BOOST_TEST_MESSAGE(subject.path << ": " << ok << " built, " << rejected << " rejected");
    BOOST_TEST(rejected > 0u);
  }
}

BOOST_AUTO_TEST_CASE(malformed_bzimages_fail_cleanly) {
  const std::string original = slurp(TEST_BZIMAGE);
  BOOST_REQUIRE(original.size() > 0x400);
  run_malformed(original, DomainType::pv, bzimage_cases());
}

BOOST_AUTO_TEST_CASE(malformed_pvh_elfs_fail_cleanly) {
  const std::string original = slurp(TEST_PVHKERNEL);
  BOOST_REQUIRE(original.size() > 0x100);
  run_malformed(original, DomainType::pvh, pvh_cases());
}

int main(int argc, char* argv[]) {
  if (!fs::exists(TEST_BZIMAGE) || !fs::exists(TEST_PVHKERNEL)) {
    std::cout << "SKIP: the test kernels are not built (HVMTOOL_BUILD_FIRMWARE off?)" << std::endl;
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
