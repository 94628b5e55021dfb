// The core stages (make, build_pre, build_post, unpause, wait) driving the
// xen platform on the recording XenApi: the store layout and permissions
// libxl__domain_make/libxl__build_post would write, the order of the
// hypercalls, teardown of every store path, and rollback after a failure.

#define BOOST_TEST_MODULE xen_pipeline
#include <boost/test/unit_test.hpp>

#include "xen_c.hpp"  // first: Xen's headers need __XEN_TOOLS__

extern "C" {
#include <xen/sched.h>
}

#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

namespace {

// What build_hvm does to a domain, in small: 1 GiB first (falling back on
// 0), then 2 MiB, special pages, params, vCPU 0, and the rings' frames in
// the build state.
std::shared_ptr<Stage> mini_hvm_builder() {
  return std::make_shared<FunctionStage>([](StageContext& ctx) {
    Domain& d = ctx.require_domain();
    d.populate_physmap(0, 0xA0, 0);
    std::size_t got = d.populate_physmap(0x40000, 1, 18);
    if (got == 0) got = d.populate_physmap(0x40000, 512, 9) ? 1 : 0;
    d.populate_physmap(0xfeff0, 16, 0);
    {
      GuestMapping m = d.map(0xfeffc000, 0x1000);
      std::memset(m.data(), 0, m.size());
    }
    d.set_hvm_param(HVM_PARAM_STORE_PFN, 0xfeffc);
    d.set_hvm_param(HVM_PARAM_CONSOLE_PFN, 0xfefff);
    ctx.state.store.frame = 0xfeffc;
    ctx.state.console.frame = 0xfefff;
    d.set_vcpu_context(0, VcpuContext::flat32(0x100000, 0x6000));
  });
}

DomainConfig config(const std::string& name) {
  DomainConfig c;
  c.name = name;
  c.type = DomainType::hvm;
  c.memory = 256ull << 20;
  c.maxmem = 512ull << 20;
  c.vcpus = 2;
  c.maxvcpus = 4;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hvm_run_writes_the_store_calls_in_order_and_tears_down) {
  XenFixture f;
  f.api->max_order = 9;
  f.api->shutdown_on_unpause = SHUTDOWN_poweroff;
  std::map<std::string, std::string> store;
  std::map<std::string, std::vector<StorePermission>> perms;
  const RunResult r = f.run(config("web"), mini_hvm_builder(), [&] {
    if (store.empty() && f.api->index_of("xc_domain_unpause") >= 0) {
      store = f.api->store();
      perms = f.api->perms();
    }
  });
  BOOST_TEST(to_string(r.outcome) == "poweroff", r.message);
  BOOST_REQUIRE(!store.empty());

  // libxl__domain_make's entries.
  const std::string dom = "/local/domain/7";
  const std::string vm = store.at(dom + "/vm");
  BOOST_TEST(vm.starts_with("/vm/"));
  BOOST_TEST(store.at(dom + "/name") == "web");
  BOOST_TEST(store.at(dom + "/domid") == "7");
  BOOST_TEST(store.at(vm + "/name") == "web");
  for (const char* sub : {"cpu", "memory", "device", "control", "data", "drivers", "feature", "attr", "error"})
    BOOST_TEST(store.count(dom + "/" + sub) == 1u, sub);
  // Permissions: dom0 owns, the guest reads; data/ & co. are the guest's.
  auto is = [&](const std::string& path, std::vector<std::pair<DomainId, char>> want) {
    const auto& p = perms.at(path);
    BOOST_REQUIRE_EQUAL(p.size(), want.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      BOOST_TEST(p[i].domid == want[i].first, path);
      BOOST_TEST(p[i].access == want[i].second, path);
    }
  };
  is(dom, {{0, 'n'}, {7, 'r'}});
  is(vm, {{0, 'n'}, {7, 'r'}});
  is(dom + "/control", {{0, 'n'}, {7, 'r'}});
  is(dom + "/data", {{7, 'n'}});
  for (const char* node : {"shutdown", "feature-poweroff", "feature-reboot", "feature-suspend", "sysrq"})
    is(dom + "/control/" + node, {{7, 'n'}});  // the guest's to write (Linux's xen:manage does at boot)
  is(dom + "/store/port", {{0, 'n'}, {7, 'r'}});
  // libxl__build_post's entries, with the platform's ports.
  BOOST_TEST(store.at(dom + "/memory/static-max") == "524288");
  BOOST_TEST(store.at(dom + "/memory/target") == "262144");
  BOOST_TEST(store.at(dom + "/cpu/1/availability") == "online");
  BOOST_TEST(store.at(dom + "/cpu/3/availability") == "offline");
  BOOST_TEST(store.at(dom + "/store/ring-ref") == std::to_string(0xfeffc));
  BOOST_TEST(store.at(dom + "/store/port") == "10");
  BOOST_TEST(store.at(dom + "/console/ring-ref") == std::to_string(0xfefff));
  BOOST_TEST(store.at(dom + "/console/port") == "11");
  BOOST_TEST(store.at(dom + "/console/type") == "xenconsoled");

  // The hypercalls in libxl's order.
  const std::vector<std::string> milestones = {
      "xc_domain_create",
      "xc_evtchn_alloc_unbound 7",
      "xc_domain_max_vcpus 7 4",
      "xc_domain_setmaxmem 7 525312",
      "xc_domain_populate_physmap 7 nr=160 order=0 first=0x0 -> 160",
      "xc_domain_populate_physmap 7 nr=1 order=18 first=0x40000 -> 0",
      "xc_domain_populate_physmap 7 nr=512 order=9 first=0x40000 -> 512",
      "xc_domain_populate_physmap 7 nr=16 order=0 first=0xfeff0 -> 16",
      "xenforeignmemory_map 7",
      "xenforeignmemory_unmap",
      "xc_hvm_param_set 7 1 0xfeffc",
      "xc_domain_hvm_setcontext 7",
      "xc_dom_gnttab_seed 7 hvm=1 console=0xfefff xenstore=0xfeffc console_domid=0 xenstore_domid=0",
      "xs_introduce_domain 7 mfn=0xfeffc port=10",
      "xc_domain_unpause 7",
      "xc_domain_getinfolist first=7 max=1",
      "xc_domain_destroy 7",
  };
  long last = -1;
  for (const auto& m : milestones) {
    const long at = f.api->index_of(m, last + 1);
    BOOST_TEST(at > last, m << " at " << at << ", after " << last);
    last = std::max(last, at);
  }

  // Teardown: no domain, no store path of it.
  BOOST_TEST(f.api->live_domains().empty());
  for (const auto& [path, value] : f.api->store()) {
    BOOST_TEST(!path.starts_with(dom), path);
    BOOST_TEST(!path.starts_with("/vm/"), path);
  }
  BOOST_TEST(f.api->live_mappings() == 0u);
}

BOOST_AUTO_TEST_CASE(crash_code_ends_the_run_as_a_crash) {
  XenFixture f;
  f.api->shutdown_on_unpause = SHUTDOWN_crash;
  const RunResult r = f.run(config("boom"), mini_hvm_builder());
  BOOST_TEST(to_string(r.outcome) == "crash", r.message);
  BOOST_TEST(f.api->live_domains().empty());
}

BOOST_AUTO_TEST_CASE(failure_at_populate_destroys_and_cleans_the_store) {
  XenFixture f;
  f.api->order0_limit = 100;  // the first 160-page request fails: ENOMEM
  const RunResult r = f.run(config("oom"), mini_hvm_builder());
  BOOST_TEST(to_string(r.outcome) == "failed");
  BOOST_TEST(r.message.find("populate_physmap of 160 pages at gpfn 0x0") != std::string::npos, r.message);
  BOOST_TEST(f.api->live_domains().empty());
  BOOST_TEST(f.api->index_of("xc_domain_destroy 7") >= 0);
  BOOST_TEST(f.api->index_of("xc_domain_unpause") < 0);
  BOOST_TEST(f.api->index_of("xs_introduce_domain") < 0);
  for (const auto& [path, value] : f.api->store()) {
    BOOST_TEST(!path.starts_with("/local/domain/7"), path);
    BOOST_TEST(!path.starts_with("/vm/"), path);
  }
}

BOOST_AUTO_TEST_CASE(failure_at_unpause_rolls_back_too) {
  XenFixture f;
  f.api->fail_call = "xc_domain_unpause";
  const RunResult r = f.run(config("stuck"), mini_hvm_builder());
  BOOST_TEST(to_string(r.outcome) == "failed");
  BOOST_TEST(r.message.find("xc_domain_unpause: Operation not permitted") != std::string::npos, r.message);
  BOOST_TEST(f.api->live_domains().empty());
  for (const auto& [path, value] : f.api->store()) BOOST_TEST(!path.starts_with("/local/domain/7"), path);
}
