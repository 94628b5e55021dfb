// XenPlatform/XenDomain on the recording XenApi: what each Domain operation
// asks of libxenctrl/libxenforeignmemory/libxenstore, argument by argument.

#define BOOST_TEST_MODULE xen_domain
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>

#include <cstring>

#include "hvm_context.hpp"
#include "hvmtool/error.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

namespace {

std::vector<std::string> without_reads(const std::vector<std::string>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls)
    if (!c.starts_with("xs_read ") && !c.starts_with("xs_read_watch") && !c.starts_with("xc_domain_getinfolist"))
      out.push_back(c);
  return out;
}

hvm_hw_cpu cpu_of(const std::vector<std::uint8_t>& blob) {
  // header descriptor + header, then the CPU descriptor, then the record.
  const std::size_t off = 2 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header);
  BOOST_REQUIRE(blob.size() >= off + sizeof(hvm_hw_cpu));
  hvm_hw_cpu c;
  std::memcpy(&c, blob.data() + off, sizeof c);
  return c;
}

hvm_save_descriptor descriptor_at(const std::vector<std::uint8_t>& blob, std::size_t off) {
  hvm_save_descriptor d;
  std::memcpy(&d, blob.data() + off, sizeof d);
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(create_flags_per_type) {
  XenFixture f;
  auto hvm = f.platform->create_domain(create_info("h", DomainType::hvm, 2));
  auto pvh = f.platform->create_domain(create_info("p", DomainType::pvh, 3));
  auto pv = f.platform->create_domain(create_info("v", DomainType::pv, 4));
  const auto c = f.api->creates();
  BOOST_REQUIRE_EQUAL(c.size(), 3u);
  // HVM: hvm + hap, every emulated device but vPCI (libxl__arch_domain_prepare_config).
  BOOST_TEST(c[0].flags == (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap));
  BOOST_TEST(c[0].arch.emulation_flags == (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI));
  BOOST_TEST(c[0].max_vcpus == 2u);
  // PVH: hvm + hap, the local APIC only.
  BOOST_TEST(c[1].flags == (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap));
  BOOST_TEST(c[1].arch.emulation_flags == XEN_X86_EMU_LAPIC);
  BOOST_TEST(c[1].max_vcpus == 3u);
  // PV: neither.
  BOOST_TEST(c[2].flags == 0u);
  BOOST_TEST(c[2].arch.emulation_flags == 0u);
  for (const auto& cfg : c) {
    BOOST_TEST(cfg.max_evtchn_port == 1023u);
    BOOST_TEST(cfg.max_grant_frames == -1);
    BOOST_TEST(cfg.max_maptrack_frames == -1);
    BOOST_TEST(cfg.grant_opts == XEN_DOMCTL_GRANT_version(1));
    BOOST_TEST(cfg.arch.misc_flags == 0u);
    for (std::size_t i = 0; i < 16; ++i) BOOST_TEST(cfg.handle[i] == 0x10 + i);  // the uuid
  }
  BOOST_TEST(hvm->id() == 7u);
  BOOST_TEST(pvh->id() == 8u);
  BOOST_TEST(pv->id() == 9u);
}

BOOST_AUTO_TEST_CASE(create_hvm_call_sequence) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("web", DomainType::hvm, 2, 256ull << 20));
  const std::vector<std::string> want = {
      "open",
      "xs_watch @releaseDomain hvmtool-xen",
      "xc_domain_create domid=0 flags=0x3 emulation=0x3ff max_vcpus=2 -> 7",
      "xc_evtchn_alloc_unbound 7 remote=0 -> 10",
      "xc_evtchn_alloc_unbound 7 remote=0 -> 11",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_HPET_ENABLED) + " 0x1",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_VPT_ALIGN) + " 0x1",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_TIMER_MODE) + " 0x1",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_ALTP2M) + " 0x0",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_CONSOLE_EVTCHN) + " 0xb",
      "xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_STORE_EVTCHN) + " 0xa",
      "xc_domain_set_tsc_info 7 0",
      // libxl_get_required_shadow_memory(256 MiB, 2 vCPUs) = 4 * (256*2 + 2*256) KiB
      "xc_set_paging_mempool_size 7 " + std::to_string(4ull * (256 * 2 + 2 * 256) * 1024),
      "xs_transaction_start -> 1",
      "xs_write 1 /local/domain/7 = ",
      "xs_set_permissions 1 /local/domain/7 n0,r7",
      "xs_write 1 /local/domain/7/store = ",
      "xs_set_permissions 1 /local/domain/7/store n0,r7",
      "xs_write 1 /local/domain/7/store/port = 10",
      "xs_write 1 /local/domain/7/console = ",
      "xs_set_permissions 1 /local/domain/7/console n0,r7",
      "xs_write 1 /local/domain/7/console/port = 11",
      "xs_transaction_end 1 commit",
  };
  const auto got = without_reads(f.api->calls());
  BOOST_TEST(got == want, boost::test_tools::per_element());
  // The back ends' domains were looked up where libxl looks.
  BOOST_TEST(f.api->index_of("xs_read 0 /tool/xenstored/domid") >= 0);
  BOOST_TEST(f.api->index_of("xs_read 0 /tool/xenconsoled/domid") >= 0);
  auto* xd = dynamic_cast<XenDomain*>(d.get());
  BOOST_REQUIRE(xd);
  BOOST_TEST(xd->store_port() == 10u);
  BOOST_TEST(xd->console_port() == 11u);
  // The guest can read its ports (inherited from the directories).
  const auto perms = f.api->perms();
  BOOST_TEST(perms.at("/local/domain/7/store/port").size() == 2u);
  BOOST_TEST(perms.at("/local/domain/7/store/port")[1].domid == 7u);
  BOOST_TEST(perms.at("/local/domain/7/store/port")[1].access == 'r');
}

BOOST_AUTO_TEST_CASE(create_pv_and_pvh_per_type_settings) {
  XenFixture f;
  auto pv = f.platform->create_domain(create_info("v", DomainType::pv, 1, 128ull << 20));
  auto pv_calls = without_reads(f.api->calls());
  BOOST_TEST(std::count(pv_calls.begin(), pv_calls.end(), "xc_domain_set_memmap_limit 7 131072") == 1);
  BOOST_TEST(f.api->calls_starting("xc_hvm_param_set").empty());
  BOOST_TEST(f.api->calls_starting("xc_set_paging_mempool_size").empty());

  auto pvh = f.platform->create_domain(create_info("p", DomainType::pvh, 1, 64ull << 20));
  const auto sets = f.api->calls_starting("xc_hvm_param_set 8");
  const std::vector<std::string> want = {
      "xc_hvm_param_set 8 " + std::to_string(HVM_PARAM_TIMER_MODE) + " 0x1",
      "xc_hvm_param_set 8 " + std::to_string(HVM_PARAM_ALTP2M) + " 0x0",
      "xc_hvm_param_set 8 " + std::to_string(HVM_PARAM_CONSOLE_EVTCHN) + " 0xd",
      "xc_hvm_param_set 8 " + std::to_string(HVM_PARAM_STORE_EVTCHN) + " 0xc",
  };
  BOOST_TEST(sets == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(limits_maxmem_in_kib_with_libxl_slack_and_pod_target) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("m", DomainType::hvm, 2, 512ull << 20));
  d->set_max_vcpus(2);
  d->set_max_memory(512ull << 20);
  BOOST_TEST(f.api->calls_starting("xc_domain_max_vcpus") == std::vector<std::string>{"xc_domain_max_vcpus 7 2"});
  // 512 MiB = 524288 KiB, + LIBXL_MAXMEM_CONSTANT (1024 KiB).
  BOOST_TEST(f.api->calls_starting("xc_domain_setmaxmem") == std::vector<std::string>{"xc_domain_setmaxmem 7 525312"});
  auto* xd = dynamic_cast<XenDomain*>(d.get());
  xd->set_memory_target(512ull << 20);  // == maxmem: no PoD
  BOOST_TEST(f.api->calls_starting("xc_domain_set_pod_target").empty());
  xd->set_memory_target(256ull << 20);
  BOOST_TEST(f.api->calls_starting("xc_domain_set_pod_target") ==
             std::vector<std::string>{"xc_domain_set_pod_target 7 65536"});
}

BOOST_AUTO_TEST_CASE(populate_physmap_extents_and_fallback_contract) {
  XenFixture f;
  f.api->max_order = 9;  // no 1 GiB pages: order 18 returns 0 extents
  auto d = f.platform->create_domain(create_info("mem", DomainType::hvm, 1, 2ull << 30));

  // Order 18 refused: 0 back, the caller falls back.
  BOOST_TEST(d->populate_physmap(0x40000, 1, 18) == 0u);
  // Order 9: the extents requested are 2 MiB apart from the first gpfn.
  BOOST_TEST(d->populate_physmap(0x40000, 512, 9) == 512u);
  // Order 0 in batches of kPopulateBatch extents.
  BOOST_TEST(d->populate_physmap(0, 0xA0, 0) == 0xA0u);
  BOOST_TEST(d->populate_physmap(0x100000, kPopulateBatch + 5, 0) == kPopulateBatch + 5);

  const auto p = f.api->populates();
  BOOST_REQUIRE_EQUAL(p.size(), 5u);
  BOOST_TEST(p[0].order == 18u);
  BOOST_TEST(p[0].nr_extents == 1u);
  BOOST_TEST(p[0].extents[0] == 0x40000u);
  BOOST_TEST(p[0].result == 0);
  BOOST_TEST(p[1].order == 9u);
  BOOST_TEST(p[1].nr_extents == 512u);
  BOOST_TEST(p[1].mem_flags == 0u);
  for (std::size_t i = 0; i < 512; ++i) BOOST_TEST(p[1].extents[i] == 0x40000u + (i << 9));
  BOOST_TEST(p[2].order == 0u);
  BOOST_TEST(p[2].nr_extents == 0xA0u);
  BOOST_TEST(p[2].extents[0x9F] == 0x9Fu);
  BOOST_TEST(p[3].nr_extents == kPopulateBatch);
  BOOST_TEST(p[4].nr_extents == 5u);
  BOOST_TEST(p[4].extents[0] == 0x100000u + kPopulateBatch);

  const PopulateStats s = d->populate_stats();
  BOOST_TEST(s.extents_1g == 0u);
  BOOST_TEST(s.extents_2m == 512u);
  BOOST_TEST(s.pages_4k == 0xA0u + kPopulateBatch + 5);
}

BOOST_AUTO_TEST_CASE(populate_order_0_is_all_or_throw) {
  XenFixture f;
  f.api->order0_limit = 16;
  auto d = f.platform->create_domain(create_info("oom", DomainType::hvm));
  BOOST_TEST(d->populate_physmap(0, 16, 0) == 16u);
  try {
    d->populate_physmap(0x100, 17, 0);
    BOOST_FAIL("no PlatformError");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "xen: domain 7 ('oom'): populate_physmap of 17 pages at gpfn 0x100: only 0 populated: Cannot "
               "allocate memory");
  }
}

BOOST_AUTO_TEST_CASE(map_uses_foreign_mappings_and_release_unmaps) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("map", DomainType::hvm));
  d->populate_physmap(0x100, 4, 0);
  {
    GuestMapping m = d->map(0x100ff0, 0x20);  // straddles two pages, unaligned
    BOOST_TEST(m.size() == 0x20u);
    BOOST_TEST(m.gpa() == 0x100ff0u);
    std::memset(m.data(), 0x5a, m.size());
    BOOST_TEST(f.api->live_mappings() == 1u);
  }
  BOOST_TEST(f.api->live_mappings() == 0u);
  BOOST_TEST(f.api->calls_starting("xenforeignmemory_map") ==
             std::vector<std::string>{"xenforeignmemory_map 7 prot=" + std::to_string(PROT_READ | PROT_WRITE) +
                                      " pages=2 first=0x100"});
  BOOST_TEST(f.api->calls_starting("xenforeignmemory_unmap") ==
             std::vector<std::string>{"xenforeignmemory_unmap pages=2"});
  // A page that is not populated: PlatformError, nothing left mapped.
  BOOST_CHECK_THROW(d->map(0x103000, 0x2000), PlatformError);
  BOOST_TEST(f.api->live_mappings() == 0u);
}

BOOST_AUTO_TEST_CASE(hvm_params_set_and_read_back) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("par", DomainType::hvm));
  d->set_hvm_param(HVM_PARAM_STORE_PFN, 0xfeffc);
  d->set_hvm_param(HVM_PARAM_IDENT_PT, 0xfeffd000);
  BOOST_TEST(d->hvm_param(HVM_PARAM_STORE_PFN) == 0xfeffcu);
  const auto sets = f.api->calls_starting("xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_STORE_PFN) + " ");
  BOOST_TEST(sets == std::vector<std::string>{"xc_hvm_param_set 7 1 0xfeffc"});
  BOOST_TEST(f.api->index_of("xc_hvm_param_set 7 " + std::to_string(HVM_PARAM_IDENT_PT) + " 0xfeffd000") >= 0);
  BOOST_TEST(f.api->index_of("xc_hvm_param_get 7 1") >= 0);
}

BOOST_AUTO_TEST_CASE(a_pv_domain_has_no_hvm_params) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("pv", DomainType::pv));
  const std::string refused = "xen: domain 7 ('pv'): HVM param 1 on a PV domain: Invalid argument";
  BOOST_CHECK_EXCEPTION(d->set_hvm_param(HVM_PARAM_STORE_PFN, 0x12345), PlatformError,
                        [&](const PlatformError& e) { return e.what() == refused; });
  BOOST_CHECK_EXCEPTION(d->hvm_param(HVM_PARAM_STORE_PFN), PlatformError,
                        [&](const PlatformError& e) { return e.what() == refused; });
  BOOST_TEST(f.api->calls_starting("xc_hvm_param").empty());
  BOOST_CHECK_THROW(d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0)), PlatformError);
}

BOOST_AUTO_TEST_CASE(flat32_entry_is_vcpu_hvm_s_cpu_record) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("ctx", DomainType::hvm, 2));
  d->set_vcpu_context(0, VcpuContext::flat32(0x100080, 0x6000));

  const std::vector<std::string> want = {
      "xc_domain_hvm_getcontext 7 size=0",
      "xc_domain_hvm_getcontext 7 size=" + std::to_string(RecordingXenApi::full_hvm_context().size()),
      "xc_domain_hvm_setcontext 7 size=" +
          std::to_string(3 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header) + sizeof(hvm_hw_cpu)) +
          " record=" + std::to_string(HVM_SAVE_CODE(CPU)) + "/0",
  };
  auto ctx_calls = f.api->calls_starting("xc_domain_hvm_");
  BOOST_TEST(ctx_calls == want, boost::test_tools::per_element());  // HVM: no MTRR records (hvmloader sets them)

  const auto blob = f.api->setcontexts().at(0);
  // The header is the domain's own, byte for byte.
  const auto full = RecordingXenApi::full_hvm_context();
  BOOST_TEST(std::memcmp(blob.data(), full.data(), sizeof(hvm_save_descriptor) + sizeof(hvm_save_header)) == 0);
  const auto cpu_d = descriptor_at(blob, sizeof(hvm_save_descriptor) + sizeof(hvm_save_header));
  BOOST_TEST(cpu_d.typecode == HVM_SAVE_CODE(CPU));
  BOOST_TEST(cpu_d.instance == 0u);
  BOOST_TEST(cpu_d.length == sizeof(hvm_hw_cpu));
  const auto end_d = descriptor_at(blob, blob.size() - sizeof(hvm_save_descriptor));
  BOOST_TEST(end_d.typecode == HVM_SAVE_CODE(END));
  BOOST_TEST(end_d.length == 0u);

  // The fields vcpu_hvm() sets, with its values.
  const hvm_hw_cpu c = cpu_of(blob);
  BOOST_TEST(c.cs_base == 0u);
  BOOST_TEST(c.ds_base == 0u);
  BOOST_TEST(c.es_base == 0u);
  BOOST_TEST(c.ss_base == 0u);
  BOOST_TEST(c.tr_base == 0u);
  BOOST_TEST(c.cs_limit == ~0u);
  BOOST_TEST(c.ds_limit == ~0u);
  BOOST_TEST(c.es_limit == ~0u);
  BOOST_TEST(c.ss_limit == ~0u);
  BOOST_TEST(c.cs_arbytes == 0xc9bu);
  BOOST_TEST(c.ds_arbytes == 0xc93u);
  BOOST_TEST(c.es_arbytes == 0xc93u);
  BOOST_TEST(c.ss_arbytes == 0xc93u);
  BOOST_TEST(c.tr_arbytes == 0x8bu);
  BOOST_TEST(c.cr0 == (VcpuContext::kCr0Pe | VcpuContext::kCr0Et));
  BOOST_TEST(c.rip == 0x100080u);
  BOOST_TEST(c.rbx == 0x6000u);
  BOOST_TEST(c.dr6 == kDr6Default);
  BOOST_TEST(c.dr7 == kDr7Default);
  // Paging off, long mode off, and nothing of the old record leaks through.
  BOOST_TEST(c.cr3 == 0u);
  BOOST_TEST(c.cr4 == 0u);
  BOOST_TEST(c.msr_efer == 0u);
  BOOST_TEST(c.rax == 0u);
  BOOST_TEST(c.rflags == 0x2u);
  BOOST_TEST(c.pending_event == 0u);
  BOOST_TEST(c.tsc == 0u);
  // Beyond vcpu_hvm (from VcpuContext::flat32): the selectors and the flat FS/GS; LDTR unusable.
  BOOST_TEST(c.cs_sel == 0x08u);
  BOOST_TEST(c.ds_sel == 0x10u);
  BOOST_TEST(c.fs_arbytes == 0xc93u);
  BOOST_TEST(c.ldtr_arbytes == 0u);
}

BOOST_AUTO_TEST_CASE(pvh_entry_loads_mtrrs_on_every_vcpu_then_the_bsp) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("pvh", DomainType::pvh, 3));
  d->set_vcpu_context(0, VcpuContext::flat32(0x1000000, 0x2000));
  const auto sets = f.api->calls_starting("xc_domain_hvm_setcontext");
  const std::string mtrr = std::to_string(HVM_SAVE_CODE(MTRR));
  const std::string mtrr_size =
      std::to_string(3 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header) + sizeof(hvm_hw_mtrr));
  const std::vector<std::string> want = {
      "xc_domain_hvm_setcontext 7 size=" + mtrr_size + " record=" + mtrr + "/0",
      "xc_domain_hvm_setcontext 7 size=" + mtrr_size + " record=" + mtrr + "/1",
      "xc_domain_hvm_setcontext 7 size=" + mtrr_size + " record=" + mtrr + "/2",
      "xc_domain_hvm_setcontext 7 size=" +
          std::to_string(3 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header) + sizeof(hvm_hw_cpu)) +
          " record=" + std::to_string(HVM_SAVE_CODE(CPU)) + "/0",
  };
  BOOST_TEST(sets == want, boost::test_tools::per_element());
  hvm_hw_mtrr m;
  std::memcpy(&m, f.api->setcontexts().at(1).data() + 2 * sizeof(hvm_save_descriptor) + sizeof(hvm_save_header),
              sizeof m);
  BOOST_TEST(m.msr_mtrr_def_type == (kMtrrTypeWriteBack | kMtrrDefTypeEnable));
  BOOST_TEST(m.msr_pat_cr == 0x0007040600070406ull);  // the rest from the domain's own record
  BOOST_CHECK_THROW(d->set_vcpu_context(1, VcpuContext::flat32(0, 0)), PlatformError);
}

BOOST_AUTO_TEST_CASE(pause_unpause_destroy_and_store_cleanup) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("gone", DomainType::hvm));
  f.platform->store().transact([](StoreTransaction& t) {
    t.write("/vm/10111213-1415-1617-1819-1a1b1c1d1e1f/name", "gone");
    t.write("/local/domain/7/name", "gone");
  });
  d->pause();
  d->unpause();
  d->destroy();
  d->destroy();  // idempotent
  const std::vector<std::string> tail = {"xc_domain_pause 7", "xc_domain_unpause 7", "xc_domain_destroy 7",
                                         "xs_rm 0 /local/domain/7", "xs_rm 0 /vm/10111213-1415-1617-1819-1a1b1c1d1e1f"};
  auto calls = without_reads(f.api->calls());
  std::vector<std::string> last(calls.end() - static_cast<long>(tail.size()), calls.end());
  BOOST_TEST(last == tail, boost::test_tools::per_element());
  for (const auto& [path, value] : f.api->store()) {
    BOOST_TEST(!path.starts_with("/local/domain/7"), path);
    BOOST_TEST(!path.starts_with("/vm/"), path);
  }
  BOOST_TEST(f.api->live_domains().empty());
  d.reset();  // the handle's destructor does not destroy twice
  BOOST_TEST(f.api->calls_starting("xc_domain_destroy").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failure_inside_create_destroys_the_new_domain) {
  XenFixture f;
  f.api->fail_call = "xc_set_paging_mempool_size";
  try {
    f.platform->create_domain(create_info("half", DomainType::hvm));
    BOOST_FAIL("no PlatformError");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) == "xen: domain 7 ('half'): xc_set_paging_mempool_size: Operation not permitted");
  }
  BOOST_TEST(f.api->live_domains().empty());
  BOOST_TEST(f.api->index_of("xc_domain_destroy 7") >= 0);
  BOOST_TEST(f.api->store().count("/local/domain/7") == 0u);
}

BOOST_AUTO_TEST_CASE(dropping_the_handle_destroys_the_domain) {
  XenFixture f;
  { auto d = f.platform->create_domain(create_info("raii", DomainType::pv)); }
  BOOST_TEST(f.api->live_domains().empty());
  BOOST_TEST(f.api->calls_starting("xc_domain_destroy") == std::vector<std::string>{"xc_domain_destroy 7"});
}

BOOST_AUTO_TEST_CASE(open_failure_is_the_platform_s_error_and_nothing_else_runs) {
  XenFixture f;
  f.api->open_error = "xen platform: /dev/xen/privcmd not found: not running in a Xen dom0";
  for (int i = 0; i < 2; ++i) {
    try {
      f.platform->create_domain(create_info("x", DomainType::hvm));
      BOOST_FAIL("no PlatformError");
    } catch (const PlatformError& e) {
      BOOST_TEST(std::string(e.what()) == f.api->open_error);
    }
  }
  BOOST_TEST(f.api->calls() == (std::vector<std::string>{"open", "open"}));
}

BOOST_AUTO_TEST_CASE(list_and_destroy_by_name) {
  XenFixture f;
  auto a = f.platform->create_domain(create_info("alpha", DomainType::hvm));
  auto b = f.platform->create_domain(create_info("beta", DomainType::pv));
  f.platform->store().transact([](StoreTransaction& t) {
    t.write("/local/domain/7/name", "alpha");
    t.write("/local/domain/8/name", "beta");
    t.write("/local/domain/8/vm", "/vm/beta-uuid");
    t.write("/vm/beta-uuid/name", "beta");
  });
  const auto list = f.platform->list_domains();
  BOOST_REQUIRE_EQUAL(list.size(), 3u);
  BOOST_TEST(list[0].name == "Domain-0");
  BOOST_TEST(list[1].name == "alpha");
  BOOST_TEST(list[1].state == "paused");
  BOOST_TEST(list[2].id == 8u);
  f.platform->destroy_domain("beta");
  BOOST_TEST(f.api->live_domains() == (std::set<std::uint32_t>{7}));
  BOOST_TEST(f.api->store().count("/local/domain/8") == 0u);
  BOOST_TEST(f.api->store().count("/vm/beta-uuid") == 0u);
  f.platform->destroy_domain("7");
  BOOST_TEST(f.api->live_domains().empty());
  BOOST_CHECK_THROW(f.platform->destroy_domain("0"), PlatformError);
  BOOST_CHECK_THROW(f.platform->destroy_domain("nobody"), PlatformError);
}
