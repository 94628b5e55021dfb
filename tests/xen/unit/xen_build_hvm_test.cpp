// The project's HVM builder (plugins/build_hvm, unchanged) on the xen
// platform over the recording XenApi: the extents it asks for with the
// 1G -> 2M fallback, its params, and vCPU 0 entering hvmloader through
// vcpu_hvm()'s CPU record. Needs the built hvmloader (skipped without it).

#define BOOST_TEST_MODULE xen_build_hvm
#include <boost/test/unit_test.hpp>

#include "xen_c.hpp"

extern "C" {
#include <xen/sched.h>
}

#include <elf.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "plugin/plugin_loader.hpp"
#include "support/test_env.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> hvmloader() {
  if (const char* d = std::getenv("HVMTOOL_FIRMWARE_DIR"); d && *d && fs::exists(fs::path(d) / "hvmloader"))
    return fs::path(d) / "hvmloader";
  if (fs::path p = hvmtool::test::build_dir() / "hvmloader" / "hvmloader"; fs::exists(p)) return p;
  return std::nullopt;
}

std::uint32_t elf_entry(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  Elf32_Ehdr h{};
  in.read(reinterpret_cast<char*>(&h), sizeof h);
  return h.e_entry;
}

}  // namespace

BOOST_AUTO_TEST_CASE(build_hvm_runs_unchanged_on_xen) {
  const auto loader_path = hvmloader();
  if (!loader_path) {
    BOOST_TEST_MESSAGE("skipped: no built hvmloader (HVMTOOL_BUILD_FIRMWARE=OFF?)");
    return;
  }
  if (!std::getenv("HVMTOOL_FIRMWARE_DIR")) ::setenv("HVMTOOL_FIRMWARE_DIR", loader_path->parent_path().c_str(), 1);
  // The plugins outlive the fixture: its io_context may still hold handlers
  // compiled into build_hvm when it is destroyed.
  PluginLoader loader{{hvmtool::test::build_dir() / "plugins"}};
  auto firmware = loader.create_firmware("firmware", PluginParams{});
  auto build = loader.create_stage("build_hvm", StageSlot::build, PluginParams{});
  XenFixture f;
  f.api->max_order = 9;  // no 1 GiB pages: build_hvm must fall back to 2 MiB
  f.api->shutdown_on_unpause = SHUTDOWN_poweroff;
  DomainConfig c;
  c.name = "hvmloader";
  c.type = DomainType::hvm;
  c.memory = 2ull << 30;
  c.firmware = "hvmloader";
  const RunResult r = f.run(c, build, {}, firmware);
  BOOST_TEST(to_string(r.outcome) == "poweroff", r.message);

  // RAM: 0..0x9F in 4K pages; the VGA hole left out; 2M extents from 0xC0's
  // next 2M boundary; the 1G extent at 0x40000 refused, then taken as 2M.
  const auto pops = f.api->populates();
  BOOST_REQUIRE(!pops.empty());
  BOOST_TEST(pops[0].order == 0u);
  BOOST_TEST(pops[0].extents.front() == 0u);
  BOOST_TEST(pops[0].nr_extents == 0xA0u);
  bool refused_1g = false, then_2m = false;
  for (std::size_t i = 0; i < pops.size(); ++i) {
    for (xen_pfn_t pfn : pops[i].extents) BOOST_TEST_REQUIRE(!(pfn >= 0xA0 && pfn < 0xC0));  // the VGA hole
    if (pops[i].order == 18 && pops[i].result == 0 && pops[i].extents.front() == 0x40000) {
      refused_1g = true;
      then_2m = i + 1 < pops.size() && pops[i + 1].order == 9 && pops[i + 1].extents.front() == 0x40000 &&
                pops[i + 1].result > 0;
    }
  }
  BOOST_TEST(refused_1g);
  BOOST_TEST(then_2m);
  // Every page that was asked for was given: 2 GiB of RAM minus the VGA hole, plus the special pages.
  std::uint64_t pages = 0;
  for (const auto& p : pops) pages += static_cast<std::uint64_t>(std::max(p.result, 0)) << p.order;
  BOOST_TEST(pages == (2ull << 30 >> 12) - 0x20 + 8 + 8);  // + 8 ioreq server pages + 8 special pages
  // Params and vCPU 0.
  BOOST_TEST(f.api->index_of("xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_STORE_PFN) + " ") >= 0);
  BOOST_TEST(f.api->index_of("xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_IDENT_PT) + " ") >= 0);
  const auto ctxs = f.api->setcontexts();
  BOOST_REQUIRE_EQUAL(ctxs.size(), 1u);
  hvm_hw_cpu cpu;
  std::memcpy(&cpu, ctxs[0].data() + 2 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header), sizeof cpu);
  BOOST_TEST(cpu.rip == elf_entry(*loader_path));
  BOOST_TEST(cpu.rbx == 0x6000u);  // build_hvm's hvm_start_info
  BOOST_TEST(cpu.cs_arbytes == 0xc9bu);
  BOOST_TEST(cpu.cr0 == 0x11u);
  // build_post introduced it with the builder's store page; teardown left nothing.
  BOOST_TEST(f.api->index_of("xs_introduce_domain 7 mfn=0xfeffc port=10") >= 0);
  BOOST_TEST(f.api->live_mappings() == 0u);
  BOOST_TEST(f.api->live_domains().empty());
}
