// The HVM builder on the recording platform: guest memory after the build
// stage (hvm_info, hvm_start_info and modules, VGA hole, special pages and
// params, identity page table, ELF segments, extent counts), the legacy entry,
// and malformed firmware images rejected with exact messages.
#define BOOST_TEST_MODULE build_hvm
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <elf.h>
#include <stdint.h>

#include <xen/xen.h>

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/hvm_info_table.h>
#include <xen/hvm/params.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "support/test_env.hpp"
#include "build_fixture.hpp"

using namespace hvmtool;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using hvmtool::test::NullLogger;
using hvmtool::test::slurp;
using namespace hvmtool::test::build_hvm;

namespace {

struct Counts {
  std::uint64_t g1, m2, k4;
};

Counts recorded(Build& b) {
  BOOST_REQUIRE(b.ctx->state.memory);
  const PopulateStats& ram = b.ctx->state.memory->ram;
  return {ram.extents_1g, ram.extents_2m, ram.pages_4k};
}

void check_counts(Build& b, Counts want) {
  Counts got = recorded(b);
  BOOST_TEST(got.g1 == want.g1);
  BOOST_TEST(got.m2 == want.m2);
  BOOST_TEST(got.k4 == want.k4);
  // The platform saw the same (plus the 16 special/ioreq-server pages as 4K).
  PopulateStats s = b.dom().populate_stats();
  BOOST_TEST(s.extents_1g == want.g1);
  BOOST_TEST(s.extents_2m == want.m2);
  BOOST_TEST(s.pages_4k == want.k4 + 16);
  // Every RAM page is populated exactly once: sizes add up to memory.
  const std::uint64_t ram_pages = want.g1 * (1u << 18) + want.m2 * 512 + want.k4;
  BOOST_TEST(ram_pages == (b.config.memory >> 12) - 0x20);  // all of it but the VGA hole
}

}  // namespace

BOOST_AUTO_TEST_CASE(memory_layout_of_a_128m_guest_with_modules) {
  test::TempDir tmp;
  std::string ramdisk;
  for (int i = 0; i < 70000; ++i) ramdisk.push_back(static_cast<char>((i * 7 + i / 251) & 0xff));
  DomainConfig c = domain(128ull << 20);
  c.vcpus = 3;
  c.kernel = TEST_BZIMAGE;
  c.ramdisk = tmp.write("initrd.img", ramdisk);
  c.cmdline = "console=ttyS0 root=/dev/ram0 marker=42";
  const bool seabios = fs::exists("/usr/share/seabios/bios.bin");
  if (seabios) c.bios = "seabios";
  Build b(c);
  b.rethrow();

  // hvm_info at 0x9F800: signature, length, byte sum 0, fields.
  hvm_info_table t = b.read<hvm_info_table>(0x9F800);
  BOOST_TEST(std::string(t.signature, 8) == "HVM INFO");
  BOOST_TEST(t.length == sizeof(hvm_info_table));
  std::uint8_t sum = 0;
  for (char ch : b.mem(0x9F800, t.length)) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(ch));
  BOOST_TEST(sum == 0);
  BOOST_TEST(t.nr_vcpus == 3u);
  BOOST_TEST(t.vcpu_online[0] == 0x07);
  BOOST_TEST(t.vcpu_online[1] == 0);
  BOOST_TEST(t.low_mem_pgend == 0x8000u);
  BOOST_TEST(t.reserved_mem_pgstart == 0xFEFF0u);
  BOOST_TEST(t.high_mem_pgend == 0u);

  // vCPU 0: flat 32-bit at the ELF entry, EBX = hvm_start_info.
  const std::string elf = slurp(HVMLOADER_PATH);
  Elf32_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  const VcpuContext& v = b.dom().vcpu_contexts().at(0);
  BOOST_TEST(v.rip == eh.e_entry);
  BOOST_TEST(v.cr0 == (VcpuContext::kCr0Pe | VcpuContext::kCr0Et));
  BOOST_TEST(v.cs.db == 1);

  // hvm_start_info and its modules, named by their cmdline strings.
  hvm_start_info si = b.read<hvm_start_info>(v.rbx);
  BOOST_TEST(si.magic == XEN_HVM_START_MAGIC_VALUE);
  BOOST_TEST(si.version == 1u);
  BOOST_TEST(b.cstr(si.cmdline_paddr) == c.cmdline);
  std::map<std::string, std::string> want{{"kernel", slurp(TEST_BZIMAGE)}, {"ramdisk", ramdisk}};
  if (seabios) want["firmware"] = slurp("/usr/share/seabios/bios.bin");
  BOOST_REQUIRE_EQUAL(si.nr_modules, want.size());
  std::uint64_t elf_end = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    std::memcpy(&ph, elf.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_LOAD) elf_end = std::max<std::uint64_t>(elf_end, ph.p_paddr + ph.p_memsz);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  const BuildState& state = b.ctx->state;
  BOOST_REQUIRE_EQUAL(state.modules.size(), si.nr_modules);
  for (unsigned i = 0; i < si.nr_modules; ++i) {
    hvm_modlist_entry e = b.read<hvm_modlist_entry>(si.modlist_paddr + i * sizeof e);
    const std::string name = b.cstr(e.cmdline_paddr);
    BOOST_TEST_CONTEXT("module " << name) {
      BOOST_REQUIRE(want.count(name));
      // The build state lists the modules as the start info does.
      BOOST_TEST(state.modules[i].name == name);
      BOOST_TEST((state.modules[i].where == GuestRange{e.paddr, e.size}));
      BOOST_TEST(e.size == want[name].size());
      BOOST_TEST((b.mem(e.paddr, e.size) == want[name]));
      // hvmloader/README.md's rules: low RAM, above hvmloader, below the table block.
      BOOST_TEST(e.paddr >= elf_end);
      BOOST_TEST(e.paddr + e.size <= 0x8000000u - 0x10000u);
      for (auto [a, n] : ranges) BOOST_TEST((e.paddr + e.size <= a || a + n <= e.paddr));
      ranges.emplace_back(e.paddr, e.size);
    }
  }

  // RAM around the VGA hole.
  BOOST_TEST(b.dom().populated(0x9F));
  for (std::uint64_t pfn = 0xA0; pfn < 0xC0; ++pfn) BOOST_TEST(!b.dom().populated(pfn));
  BOOST_TEST(b.dom().populated(0xC0));
  BOOST_TEST(b.dom().populated(0x7FFF));
  BOOST_TEST(!b.dom().populated(0x8000));

  // Special pages (Xen's order from 0xFEFF8: paging, access, sharing,
  // bufioreq, xenstore, ioreq, ident PT, console) and the params.
  Domain& d = *b.ctx->domain;
  BOOST_TEST(d.hvm_param(HVM_PARAM_PAGING_RING_PFN) == 0xFEFF8u);
  BOOST_TEST(d.hvm_param(HVM_PARAM_MONITOR_RING_PFN) == 0xFEFF9u);
  BOOST_TEST(d.hvm_param(HVM_PARAM_SHARING_RING_PFN) == 0xFEFFAu);
  BOOST_TEST(d.hvm_param(HVM_PARAM_BUFIOREQ_PFN) == 0xFEFFBu);
  BOOST_TEST(d.hvm_param(HVM_PARAM_STORE_PFN) == 0xFEFFCu);
  BOOST_TEST(d.hvm_param(HVM_PARAM_IOREQ_PFN) == 0xFEFFDu);
  BOOST_TEST(d.hvm_param(HVM_PARAM_IDENT_PT) == 0xFEFFEu << 12);
  BOOST_TEST(d.hvm_param(HVM_PARAM_CONSOLE_PFN) == 0xFEFFFu);
  BOOST_TEST(d.hvm_param(HVM_PARAM_IOREQ_SERVER_PFN) == 0xFEFF0u);
  BOOST_TEST(d.hvm_param(HVM_PARAM_NR_IOREQ_SERVER_PAGES) == 8u);
  // What build_post reads: the rings' frames; the ports are the platform's.
  BOOST_TEST(state.store.frame.value_or(0) == 0xFEFFCu);
  BOOST_TEST(state.console.frame.value_or(0) == 0xFEFFFu);
  BOOST_TEST(!state.store.port);
  BOOST_TEST(!state.console.port);
  BOOST_TEST((state.entry_kind == EntryKind::hvm_start_info));
  BOOST_TEST(state.entry.value_or(0) == eh.e_entry);
  BOOST_TEST(state.start_info.value_or(0) == v.rbx);
  BOOST_TEST((state.cmdline == GuestRange{si.cmdline_paddr, c.cmdline.size() + 1}));
  BOOST_TEST(state.memory->special_pages == 16u);
  BOOST_TEST(!state.flash_window);
  for (std::uint64_t pfn = 0xFEFF0; pfn < 0xFF000; ++pfn) {
    BOOST_TEST(b.dom().populated(pfn));
    if (pfn == 0xFEFFE) continue;
    BOOST_TEST((b.mem(pfn << 12, 4096) == std::string(4096, '\0')), "page " << hex(pfn) << " zeroed");
  }
  BOOST_TEST(!b.dom().populated(0xFEFEF));
  // Identity map: 1024 x 4 MiB, P|RW|US|A|D|PSE.
  for (std::uint32_t i = 0; i < 1024; ++i) {
    std::uint32_t pte = b.read<std::uint32_t>((0xFEFFEull << 12) + i * 4);
    if (pte != ((i << 22) | 0xE7u)) BOOST_FAIL("ident PT entry " << i << " is " << hex(pte));
  }

  // ELF segments at their addresses, bss zero.
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    std::memcpy(&ph, elf.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD || !ph.p_memsz) continue;
    BOOST_TEST((b.mem(ph.p_paddr, ph.p_filesz) == elf.substr(ph.p_offset, ph.p_filesz)));
    BOOST_TEST(
        (b.mem(ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz) == std::string(ph.p_memsz - ph.p_filesz, '\0')));
  }

  // Extents of 128 MiB: 0x0-0x9F as 4K (160); from 0xC0 the first 2 MiB
  // boundary is 0x200, so 0xC0-0x1FF are 4K (320); 0x200-0x7FFF is 63 x 2M;
  // nothing is 1 GiB aligned.
  check_counts(b, {0, 63, 160 + 320});
}

BOOST_AUTO_TEST_CASE(extents_of_a_2g_guest_and_fallback) {
  // 2 GiB, all below the MMIO hole: 480 x 4K as above, 0x200-0x3FFFF is
  // 511 x 2M, 0x40000-0x7FFFF one 1G extent.
  {
    Build b(domain(2ull << 30));
    b.rethrow();
    check_counts(b, {1, 511, 480});
    hvm_info_table t = b.read<hvm_info_table>(0x9F800);
    BOOST_TEST(t.low_mem_pgend == 0x80000u);
    BOOST_TEST(t.high_mem_pgend == 0u);
  }
  // The platform grants at most order 9: the 1G extent becomes 512 x 2M.
  {
    test::RecordingOptions o;
    o.max_order = 9;
    Build b(domain(2ull << 30), o);
    b.rethrow();
    check_counts(b, {0, 511 + 512, 480});
  }
  // Only 4K pages.
  {
    test::RecordingOptions o;
    o.max_order = 0;
    Build b(domain(2ull << 30), o);
    b.rethrow();
    check_counts(b, {0, 0, (2ull << 30 >> 12) - 0x20});
  }
}

BOOST_AUTO_TEST_CASE(extents_of_a_6g_guest_above_4g) {
  // 6 GiB, default 256 MiB MMIO hole: low RAM ends at 0xF0000000.
  // Low: 480 x 4K, 511 x 2M up to 1 GiB, 2 x 1G (1-3 GiB), then 3 GiB to
  // 0xF0000000 (768 MiB, not a whole 1G) as 384 x 2M. High: 2304 MiB from
  // 4 GiB: 2 x 1G + 128 x 2M.
  {
    Build b(domain(6ull << 30));
    b.rethrow();
    check_counts(b, {4, 511 + 384 + 128, 480});
    hvm_info_table t = b.read<hvm_info_table>(0x9F800);
    BOOST_TEST(t.low_mem_pgend == 0xF0000u);
    BOOST_TEST(t.high_mem_pgend == ((k4G + (2304ull << 20)) >> 12));
    BOOST_TEST(b.dom().populated((k4G >> 12)));
    BOOST_TEST(b.dom().populated(((k4G + (2304ull << 20)) >> 12) - 1));
    BOOST_TEST(!b.dom().populated((k4G + (2304ull << 20)) >> 12));
    BOOST_TEST(!b.dom().populated(0xF0000));
  }
  {
    test::RecordingOptions o;
    o.max_order = 9;
    Build b(domain(6ull << 30), o);
    b.rethrow();
    check_counts(b, {0, 511 + 384 + 128 + 4 * 512, 480});
  }
}

BOOST_AUTO_TEST_CASE(legacy_jmp_entry) {
  Build b(domain(64ull << 20), {}, "legacy-jmp");
  b.rethrow();
  Elf32_Ehdr eh;
  std::memcpy(&eh, slurp(HVMLOADER_PATH).data(), sizeof eh);
  std::string jmp = b.mem(0, 5);
  BOOST_TEST(static_cast<std::uint8_t>(jmp[0]) == 0xE9);
  std::uint32_t rel;
  std::memcpy(&rel, jmp.data() + 1, 4);
  BOOST_TEST(5 + rel == eh.e_entry);
  const VcpuContext& v = b.dom().vcpu_contexts().at(0);
  BOOST_TEST(v.rip == 0u);
  BOOST_TEST(v.rbx == 0u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_build_stops_before_populating) {
  Build b(domain(1ull << 30), {}, "direct", true);
  BOOST_CHECK_THROW(b.rethrow(), CancelledError);
  BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
  BOOST_TEST(!b.ctx->state.memory);
  BOOST_TEST(!b.ctx->state.entry);
}

// ---- what cannot fit is refused from its size, before it is read ----------

namespace {

std::uint64_t page_up(std::uint64_t v) { return (v + 0xFFF) & ~std::uint64_t{0xFFF}; }

// End of hvmloader's highest PT_LOAD: where the modules' area starts.
std::uint64_t loader_end() {
  const std::string elf = slurp(HVMLOADER_PATH);
  Elf32_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  std::uint64_t end = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    std::memcpy(&ph, elf.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type == PT_LOAD) end = std::max<std::uint64_t>(end, ph.p_paddr + ph.p_memsz);
  }
  return end;
}

std::string message(Build& b) {
  try {
    b.rethrow();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

fs::path sparse_file(const test::TempDir& tmp, const std::string& name, std::uint64_t size) {
  const fs::path p = tmp.write(name, "");
  fs::resize_file(p, size);
  return p;
}

}  // namespace

// A sparse 2 GiB "kernel" once took 27 s and 2 GiB of memory to read before
// its refusal; a 1 TiB one could not be allocated at all. Now its size (stat)
// is held against the low RAM left for modules and it is refused at once,
// before any memory is populated; the ramdisk the same way after the kernel.
BOOST_AUTO_TEST_CASE(modules_that_cannot_fit_are_refused_before_they_are_read) {
  test::TempDir tmp;
  const std::uint64_t floor = std::max<std::uint64_t>(0x100000, page_up(loader_end()));
  const std::uint64_t top = (128ull << 20) - 0x10000;
  auto room_text = [&](std::uint64_t left) {
    return hex(left) + " bytes of low RAM left for modules (between " + hex(floor) + " and " + hex(top) +
           "; memory is 128 MiB)";
  };
  for (std::uint64_t size : {2ull << 30, 1ull << 40}) {
    BOOST_TEST_CONTEXT("kernel of " << hex(size) << " bytes") {
      DomainConfig c = domain(128ull << 20);
      c.kernel = sparse_file(tmp, "kernel", size);
      const auto t0 = std::chrono::steady_clock::now();
      Build b(c);
      const auto took = std::chrono::steady_clock::now() - t0;
      BOOST_TEST(message(b) == c.kernel.string() + ": offset " + hex(top - floor) + ": kernel is " + hex(size) +
                                   " bytes, more than the " + room_text(top - floor));
      BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 2000);
      BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
    }
  }
  // The ramdisk gets what the kernel leaves.
  DomainConfig c = domain(128ull << 20);
  c.kernel = TEST_BZIMAGE;
  c.ramdisk = sparse_file(tmp, "initrd", 1ull << 40);
  Build b(c);
  const std::uint64_t left = top - floor - page_up(fs::file_size(TEST_BZIMAGE));
  BOOST_TEST(message(b) == c.ramdisk.string() + ": offset " + hex(left) +
                               ": ramdisk is 0x10000000000 bytes, more than the " + room_text(left));
  BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
}

// ---- the bzImage hvmloader will boot is checked on the host ----------------

namespace {

template <typename T>
void put(std::string& f, std::size_t off, T v) {
  std::memcpy(f.data() + off, &v, sizeof v);
}
template <typename T>
T get(const std::string& f, std::size_t off) {
  T v;
  std::memcpy(&v, f.data() + off, sizeof v);
  return v;
}

// The test kernel's protected-mode size and footprint, as the boot protocol reads them.
std::uint64_t pm_bytes(const std::string& k) {
  return std::min<std::uint64_t>(std::uint64_t(get<std::uint32_t>(k, 0x1f4)) * 16, k.size() - 1024);
}
std::uint64_t footprint(const std::string& k) {
  return page_up(std::max<std::uint64_t>(pm_bytes(k), get<std::uint32_t>(k, 0x260)));
}

}  // namespace

// hvmloader used to find these inside the guest and crash it (exit 3, the
// reason only in the guest's log). build_hvm now parses the header with the
// parser build_pv uses, for hvmloader's 32-bit entry, before a domain is
// built: the error names the file and the field.
BOOST_AUTO_TEST_CASE(bzimage_for_hvmloader_is_checked_on_the_host) {
  const std::string original = slurp(TEST_BZIMAGE);
  const std::uint64_t kend = std::max(page_up(0x100000 + footprint(original)), page_up(loader_end()));
  struct K {
    std::string name;
    std::function<void(std::string&, DomainConfig&, const test::TempDir&)> mutate;
    std::string reason;  // after "FILE: "
  };
  const std::vector<K> cases = {
      {"not a bzImage", [](std::string& f, DomainConfig&, const test::TempDir&) { f[0x203] = 'X'; },
       "offset 0x202: no \"HdrS\" setup header signature (not a bzImage)"},
      {"protocol too old for the 32-bit entry",
       [](std::string& f, DomainConfig&, const test::TempDir&) { put<std::uint16_t>(f, 0x206, 0x0201); },
       "offset 0x206: boot protocol 2.01 is too old (the 32-bit entry needs 2.02)"},
      {"code32_start outside the kernel",
       [](std::string& f, DomainConfig&, const test::TempDir&) { put<std::uint32_t>(f, 0x214, 0x2000000); },
       "offset 0x214: code32_start 0x2000000 is outside the kernel loaded at 0x100000-" +
           hex(0x100000 + pm_bytes(original) - 1)},
      {"command line longer than cmdline_size",
       [](std::string&, DomainConfig& c, const test::TempDir&) { c.cmdline = std::string(2048, 'x'); },
       "offset 0x238: the command line is 2048 bytes, more than the kernel's cmdline_size (2047)"},
      {"init_size beyond RAM",
       [](std::string& f, DomainConfig&, const test::TempDir&) { put<std::uint32_t>(f, 0x260, 0x4000000); },
       "offset 0x260: the kernel needs 0x4000000 bytes from 0x100000, beyond the end of RAM at 0x3ff0000"},
  };
  for (const K& k : cases) {
    BOOST_TEST_CONTEXT(k.name) {
      test::TempDir tmp;
      std::string bytes = original;
      DomainConfig c = domain(64ull << 20);
      k.mutate(bytes, c, tmp);
      c.kernel = tmp.write("bzImage", bytes);
      Build b(c);
      BOOST_TEST(message(b) == c.kernel.string() + ": " + k.reason);
      BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
    }
  }
  // The ramdisk must fit where hvmloader moves it: below initrd_addr_max,
  // above the kernel's init_size and hvmloader.
  {
    test::TempDir tmp;
    std::string bytes = original;
    put<std::uint32_t>(bytes, 0x22c, static_cast<std::uint32_t>(kend + 0xFFFF));
    DomainConfig c = domain(64ull << 20);
    c.kernel = tmp.write("bzImage", bytes);
    c.ramdisk = tmp.write("initrd", std::string(0x10001, 'r'));
    Build b(c);
    BOOST_TEST(message(b) == "build_hvm: no room for the ramdisk " + c.ramdisk.string() +
                                 " (0x10001 bytes) between the kernel's end " + hex(kend) + " and " +
                                 hex(kend + 0x10000) + ", where hvmloader moves it");
    BOOST_TEST(b.calls->index_of("populate_physmap") == -1);
    c.ramdisk = tmp.write("initrd", std::string(0x10000, 'r'));
    Build fits(c);
    fits.rethrow();
  }
  // With a BIOS module hvmloader boots the BIOS and never reads the kernel:
  // whatever it is, it is only a module then.
  if (fs::exists("/usr/share/seabios/bios.bin")) {
    test::TempDir tmp;
    DomainConfig c = domain(64ull << 20);
    c.bios = "seabios";
    c.kernel = tmp.write("not-a-kernel", "just some bytes");
    Build b(c);
    b.rethrow();
  }
}

// ---- malformed images ------------------------------------------------------

namespace {

struct Case {
  std::string name;
  std::function<void(std::string&)> mutate;
  std::function<std::string(const std::string& original)> reason;  // after "FILE: "
};

Elf32_Ehdr& ehdr(std::string& f) { return *reinterpret_cast<Elf32_Ehdr*>(f.data()); }
// First PT_LOAD's header and its file offset.
std::size_t load_ph(const std::string& f) {
  const Elf32_Ehdr& e = *reinterpret_cast<const Elf32_Ehdr*>(f.data());
  for (int i = 0; i < e.e_phnum; ++i) {
    std::size_t at = e.e_phoff + i * sizeof(Elf32_Phdr);
    if (reinterpret_cast<const Elf32_Phdr*>(f.data() + at)->p_type == PT_LOAD) return at;
  }
  throw std::runtime_error("no PT_LOAD in hvmloader");
}
Elf32_Phdr& ph(std::string& f) { return *reinterpret_cast<Elf32_Phdr*>(f.data() + load_ph(f)); }
const Elf32_Phdr& ph(const std::string& f) { return *reinterpret_cast<const Elf32_Phdr*>(f.data() + load_ph(f)); }
std::string off(std::size_t o) { return "offset " + hex(o) + ": "; }

std::vector<Case> cases() {
  return {
      {"truncated", [](std::string& f) { f.resize(40); },
       [](const std::string&) { return off(0) + "truncated ELF header (40 bytes, need 52)"; }},
      {"bad magic", [](std::string& f) { f[1] = 'X'; },
       [](const std::string&) { return off(0) + "not an ELF file (bad magic)"; }},
      {"64-bit class", [](std::string& f) { f[EI_CLASS] = ELFCLASS64; },
       [](const std::string&) { return off(4) + "not a 32-bit ELF (EI_CLASS 2)"; }},
      {"x86-64 machine", [](std::string& f) { ehdr(f).e_machine = EM_X86_64; },
       [](const std::string&) { return off(0x12) + "not an i386 image (e_machine 62)"; }},
      {"shared object", [](std::string& f) { ehdr(f).e_type = ET_DYN; },
       [](const std::string&) { return off(0x10) + "not an executable (e_type 3)"; }},
      {"phoff beyond file", [](std::string& f) { ehdr(f).e_phoff = static_cast<Elf32_Off>(f.size()); },
       [](const std::string& o) {
         const Elf32_Ehdr& e = *reinterpret_cast<const Elf32_Ehdr*>(o.data());
         return off(0x1c) + "program headers " + hex(o.size()) + "+" + hex(e.e_phnum * 32) +
                " beyond the end of the file (" + hex(o.size()) + " bytes)";
       }},
      {"segment data beyond file", [](std::string& f) { ph(f).p_offset = static_cast<Elf32_Off>(f.size()); },
       [](const std::string& o) {
         return off(load_ph(o) + 4) + "segment 0 data " + hex(o.size()) + "+" + hex(ph(o).p_filesz) +
                " beyond the end of the file (" + hex(o.size()) + " bytes)";
       }},
      {"filesz > memsz", [](std::string& f) { ph(f).p_filesz = ph(f).p_memsz + 1; },
       [](const std::string& o) {
         return off(load_ph(o) + 16) + "segment 0 file size " + hex(ph(o).p_memsz + 1) + " exceeds its memory size " +
                hex(ph(o).p_memsz);
       }},
      {"huge memsz", [](std::string& f) { ph(f).p_memsz = 0x80000000u; },
       [](const std::string& o) {
         return off(load_ph(o) + 20) + "segment 0 memory size 0x80000000 is absurd (limit 0x4000000)";
       }},
      {"segment in the VGA hole", [](std::string& f) { ph(f).p_paddr = 0xA0000; },
       [](const std::string& o) {
         return off(load_ph(o) + 12) + "segment 0 at 0xa0000-" + hex(0xA0000 + ph(o).p_memsz - 1) +
                " overlaps the VGA hole 0xa0000-0xbffff";
       }},
      {"segment beyond low RAM", [](std::string& f) { ph(f).p_paddr = 0x3FFF000; },
       [](const std::string& o) {
         return off(load_ph(o) + 12) + "segment 0 at 0x3fff000-" + hex(0x3FFF000 + ph(o).p_memsz - 1) +
                " is outside low RAM (0x0-0x3ffffff)";
       }},
      {"overlapping segments",
       // A new program header table at the end of the file: the original
       // PT_LOAD and a copy 4 KiB higher.
       [](std::string& f) {
         Elf32_Phdr a = ph(f), b2 = a;
         b2.p_paddr += 0x1000;
         b2.p_vaddr += 0x1000;
         std::size_t at = (f.size() + 3) & ~std::size_t(3);
         f.resize(at);
         f.append(reinterpret_cast<const char*>(&a), sizeof a);
         f.append(reinterpret_cast<const char*>(&b2), sizeof b2);
         ehdr(f).e_phoff = static_cast<Elf32_Off>(at);
         ehdr(f).e_phnum = 2;
       },
       [](const std::string& o) {
         std::size_t at = (o.size() + 3) & ~std::size_t(3);
         const Elf32_Phdr& p = ph(o);
         return off(at + 32 + 12) + "segment 1 at " + hex(p.p_paddr + 0x1000) + "-" +
                hex(p.p_paddr + 0x1000 + p.p_memsz - 1) + " overlaps segment 0 at " + hex(p.p_paddr) + "-" +
                hex(p.p_paddr + p.p_memsz - 1);
       }},
      {"empty file", [](std::string& f) { f.clear(); },
       [](const std::string&) { return off(0) + "firmware is empty"; }},
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(malformed_loader_images_fail_cleanly) {
  const std::string original = slurp(HVMLOADER_PATH);
  BOOST_REQUIRE(original.size() > 1000);
  PluginLoader loader{{test::build_dir() / "plugins"}};
  for (const Case& k : cases()) {
    BOOST_TEST_CONTEXT("case " << k.name) {
      test::TempDir tmp;
      std::string bytes = original;
      k.mutate(bytes);
      const fs::path file = tmp.write("hvmloader", bytes);
      boost::asio::io_context io;
      boost::asio::thread_pool workers{1};
      auto calls = std::make_shared<test::CallLog>();
      NullLogger log;
      ResolvedPipeline p;
      p.platform = std::make_shared<test::RecordingPlatform>(io, calls);
      p.firmware = loader.create_firmware("firmware", PluginParams{});
      for (StageSlot slot : kStageOrder) {
        std::string plugin = slot == StageSlot::bootloader ? "none" : slot == StageSlot::build ? "build_hvm" : "core";
        p.stages[index_of(slot)] = loader.create_stage(plugin, slot, PluginParams{});
        p.plugin_names[index_of(slot)] = plugin;
      }
      DomainConfig c = domain(64ull << 20);
      c.firmware = file.string();
      std::optional<RunResult> result;
      auto run = std::make_shared<DomainRun>(io, workers, c, std::move(p), log, ConsoleSink{});
      run->start([&](const RunResult& r) { result = r; });
      while (!result && io.run_one_for(10s)) {
      }
      workers.join();
      BOOST_REQUIRE(result);
      BOOST_TEST(to_string(result->outcome) == "failed");
      BOOST_TEST(result->message == "stage build (build_hvm) failed: " + file.string() + ": " + k.reason(original));
      BOOST_TEST(calls->entries().back() == "destroy 1");
      BOOST_TEST(calls->index_of("unpause") == -1);
    }
  }
}

// No kernel and no firmware module: hvmloader gets the first disk's boot
// sector, read through the disk-format table, as its "bootsector" module.
BOOST_AUTO_TEST_CASE(a_disk_only_domain_hands_hvmloader_its_boot_sector) {
  test::TempDir tmp;
  std::string sector(512, '\0');
  for (std::size_t i = 0; i < 510; ++i) sector[i] = static_cast<char>(i * 13 + 5);
  sector[510] = '\x55';
  sector[511] = '\xAA';
  DomainConfig c = domain(128ull << 20);
  DiskConfig d;
  d.target = tmp.write("disk.img", sector + std::string(1536, 'z'));
  d.vdev = "hda";
  c.disks.push_back(d);
  {
    Build b(c);
    b.rethrow();
    const auto& modules = b.ctx->state.modules;
    const auto it =
        std::find_if(modules.begin(), modules.end(), [](const PlacedModule& m) { return m.name == "bootsector"; });
    BOOST_REQUIRE(it != modules.end());
    BOOST_TEST(it->where.size == 512u);
    BOOST_TEST(b.mem(it->where.start, 512) == sector);
  }
  const fs::path disk = d.target;
  c.disks[0].target = tmp.write("short.img", std::string(20, 'x'));
  Build too_short(c);
  BOOST_TEST(message(too_short) ==
             c.disks[0].target.string() + ": offset 0x0: the disk is 20 bytes, shorter than one 512-byte boot sector");
  c.disks[0].target = tmp.path() / "absent.img";
  Build absent(c);
  BOOST_TEST(message(absent) == c.disks[0].target.string() + ": cannot open disk image: No such file or directory");
  c.disks[0].target = disk;
  c.disks[0].format = "qcow2";
  Build qcow2(c);
  BOOST_TEST(message(qcow2) == disk.string() + ": disk format 'qcow2' is not supported (known: raw)");
}

BOOST_AUTO_TEST_CASE(firmware_provider_checks_bios_files) {
  PluginLoader loader{{test::build_dir() / "plugins"}};
  auto fw = loader.create_firmware("firmware", PluginParams{});
  test::TempDir tmp;
  DomainConfig c = domain(64ull << 20);

  FirmwareSet set = fw->resolve(c);
  BOOST_TEST(set.loader.name == "hvmloader");
  BOOST_TEST(fs::equivalent(set.loader.path, HVMLOADER_PATH));
  BOOST_TEST((set.loader.rule == LoadRule::elf_at_link_address));
  BOOST_TEST(set.modules.empty());

  c.bios = tmp.write("big.bin", std::string(300 << 10, 'x')).string();
  BOOST_CHECK_EXCEPTION(fw->resolve(c), ImageError, [&](const ImageError& e) {
    BOOST_TEST(e.what() == c.bios + ": offset 0x40000: bios is 0x4b000 bytes, more than the 0x40000 allowed");
    return true;
  });
  c.bios = (tmp.path() / "missing.bin").string();
  BOOST_CHECK_EXCEPTION(fw->resolve(c), ImageError, [&](const ImageError& e) {
    BOOST_TEST(e.what() == c.bios + ": bios: No such file or directory");
    return true;
  });
  c.bios = tmp.path().string();
  BOOST_CHECK_EXCEPTION(fw->resolve(c), ImageError, [&](const ImageError& e) {
    BOOST_TEST(e.what() == c.bios + ": bios: not a regular file");
    return true;
  });
  if (fs::exists("/usr/share/seabios/bios.bin")) {
    c.bios = "seabios";
    set = fw->resolve(c);
    BOOST_REQUIRE_EQUAL(set.modules.size(), 1u);
    BOOST_TEST(set.modules[0].name == "firmware");
    BOOST_TEST(set.modules[0].path == "/usr/share/seabios/bios.bin");
    BOOST_TEST((set.modules[0].rule == LoadRule::module));
  }
  // HVMTOOL_FIRMWARE_DIR wins over the plugin's own location.
  c.bios.clear();
  tmp.write("hvmloader", slurp(HVMLOADER_PATH));
  ::setenv("HVMTOOL_FIRMWARE_DIR", tmp.path().c_str(), 1);
  set = fw->resolve(c);
  ::unsetenv("HVMTOOL_FIRMWARE_DIR");
  BOOST_TEST(set.loader.path == tmp.path() / "hvmloader");
}

int main(int argc, char* argv[]) {
  if (!fs::exists(HVMLOADER_PATH)) {
    std::cout << "SKIP: " << HVMLOADER_PATH << " not built (HVMTOOL_BUILD_FIRMWARE off?)" << std::endl;
    return 77;
  }
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
