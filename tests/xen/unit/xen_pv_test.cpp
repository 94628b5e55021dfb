// build_xen_pv: the xc_dom_* sequence of libxl__build_pv on the recording
// XenApi, alone and inside the core pipeline on the xen platform.

#define BOOST_TEST_MODULE xen_pv
#include <boost/test/unit_test.hpp>

#include "xen_c.hpp"  // first: Xen's headers need __XEN_TOOLS__

extern "C" {
#include <xen/sched.h>
}

#include "pv_builder.hpp"
#include "support/recording_platform.hpp"
#include "support/test_env.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

BOOST_AUTO_TEST_CASE(build_pv_calls_xc_dom_in_libxl_order) {
  RecordingXenApi api;
  PvBuildInput in;
  in.domid = 9;
  in.kernel = "/boot/vmlinuz";
  in.ramdisk = "/boot/initrd.img";
  in.cmdline = "console=hvc0";
  in.memory_mb = 128;
  in.setup.xenstore_evtchn = 10;
  in.setup.console_evtchn = 11;
  in.setup.max_vcpus = 2;
  const PvImageResult r = build_pv(api, in);
  const std::vector<std::string> want = {
      "xc_dom_allocate cmdline='console=hvc0' features=''",
      "xc_dom_kernel_file /boot/vmlinuz",
      "xc_dom_module_file /boot/initrd.img cmdline=''",
      "xc_dom_image fields: container=PV console_evtchn=11 console_domid=0 xenstore_evtchn=10 xenstore_domid=0 "
      "max_vcpus=2 claim=0",
      "xc_dom_boot_xen_init 9",
      "xc_dom_parse_image",
      "xc_dom_mem_init 128",
      "xc_dom_boot_mem_init",
      "xc_dom_build_image",
      "xc_dom_boot_image",
      "xc_dom_gnttab_init",
      "xc_dom results",
      "xc_dom_release",
  };
  BOOST_TEST(api.calls() == want, boost::test_tools::per_element());
  BOOST_TEST(r.store_mfn == 0x12345u);
  BOOST_TEST(r.console_mfn == 0x12346u);
}

BOOST_AUTO_TEST_CASE(a_failing_step_is_named_and_the_image_released) {
  RecordingXenApi api;
  api.fail_call = "xc_dom_parse_image";
  PvBuildInput in;
  in.domid = 9;
  in.kernel = "/boot/vmlinuz";
  in.memory_mb = 64;
  try {
    build_pv(api, in);
    BOOST_FAIL("no Error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()) == "build_xen_pv: xc_dom_parse_image failed: Operation not permitted");
  }
  BOOST_TEST(api.calls().back() == "xc_dom_release");
  BOOST_TEST(api.index_of("xc_dom_module_file") < 0);  // no ramdisk given
}

BOOST_AUTO_TEST_CASE(pv_pipeline_on_xen_publishes_mfns_and_ports_to_build_post) {
  XenFixture f;
  f.api->shutdown_on_unpause = SHUTDOWN_poweroff;
  hvmtool::test::TempDir dir;
  const auto kernel = dir.write("vmlinuz", "not really a kernel");
  DomainConfig c;
  c.name = "pv";
  c.type = DomainType::pv;
  c.memory = 128ull << 20;
  c.kernel = kernel;
  c.cmdline = "console=hvc0";
  auto pv_api = std::make_shared<RecordingXenApi>();
  auto stage = std::make_shared<BuildXenPvStage>([pv_api] { return pv_api; }, "");
  std::map<std::string, std::string> store;
  const RunResult r = f.run(c, stage, [&] {
    if (store.empty() && f.api->index_of("xc_domain_unpause") >= 0) store = f.api->store();
  });
  BOOST_TEST(to_string(r.outcome) == "poweroff", r.message);
  // The builder got the platform's ports from the store.
  // open, xc_dom_allocate, xc_dom_kernel_file (no ramdisk), then the fields.
  BOOST_TEST(pv_api->index_of("xc_dom_image fields: container=PV console_evtchn=11 console_domid=0 "
                              "xenstore_evtchn=10 xenstore_domid=0 max_vcpus=1") == 3);
  BOOST_TEST(pv_api->calls().front() == "open");
  BOOST_TEST(pv_api->index_of("xc_dom_boot_xen_init 7") >= 0);
  BOOST_TEST(pv_api->index_of("xc_dom_mem_init 128") >= 0);
  // build_post wrote the mfns and introduced the domain with the store mfn.
  BOOST_TEST(store.at("/local/domain/7/store/ring-ref") == std::to_string(0x12345));
  BOOST_TEST(store.at("/local/domain/7/console/ring-ref") == std::to_string(0x12346));
  BOOST_TEST(store.at("/local/domain/7/store/port") == "10");
  BOOST_TEST(store.at("/local/domain/7/image/type") == "pv");
  BOOST_TEST(f.api->index_of("xs_introduce_domain 7 mfn=0x12345 port=10") >= 0);
  BOOST_TEST(f.api->calls_starting("xc_hvm_param").empty());        // PV: no HVM params
  BOOST_TEST(f.api->calls_starting("xc_dom_gnttab_seed").empty());  // xc_dom_gnttab_init did it
  BOOST_TEST(f.api->calls_starting("xc_domain_hvm_setcontext").empty());
  BOOST_TEST(f.api->live_domains().empty());
}

BOOST_AUTO_TEST_CASE(build_xen_pv_needs_the_xen_platform_and_a_pv_domain) {
  boost::asio::io_context io;
  boost::asio::thread_pool workers{1};
  QuietLogger log;
  auto calls = std::make_shared<hvmtool::test::CallLog>();
  hvmtool::test::RecordingPlatform other(io, calls);
  DomainConfig c;
  c.name = "x";
  c.type = DomainType::pv;
  c.kernel = "/boot/vmlinuz";
  StageContext ctx(c, other, nullptr, log, io, workers, ConsoleSink{});
  BuildXenPvStage stage([] { return std::make_shared<RecordingXenApi>(); }, "");
  try {
    stage.async_run(ctx, [](std::exception_ptr) {});
    BOOST_FAIL("no Error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "build_xen_pv: needs the xen platform (platform: xen); this pipeline's platform is 'recording'");
  }
  workers.join();

  XenFixture f;
  DomainConfig h;
  h.name = "h";
  h.type = DomainType::hvm;
  StageContext ctx2(h, *f.platform, nullptr, log, f.io, f.workers, ConsoleSink{});
  try {
    stage.async_run(ctx2, [](std::exception_ptr) {});
    BOOST_FAIL("no Error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()) == "build_xen_pv: builds PV domains (domain.type: pv), not hvm");
  }
}
