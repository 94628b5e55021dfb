// Xen shutdown codes -> hvmtool events (shutdown.hpp), and their delivery
// through the @releaseDomain watch on the io_context.

#define BOOST_TEST_MODULE xen_shutdown
#include <boost/test/unit_test.hpp>

#include "xen_c.hpp"  // first: Xen's headers need __XEN_TOOLS__

extern "C" {
#include <xen/sched.h>
}

#include <thread>

#include "shutdown.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

namespace {

DomInfo shut(unsigned code) {
  DomInfo i;
  i.domid = 3;
  i.flags = XEN_DOMINF_shutdown | (code << XEN_DOMINF_shutdownshift);
  return i;
}

}  // namespace

BOOST_AUTO_TEST_CASE(shutdown_code_table) {
  struct Row {
    unsigned code;
    ShutdownReason reason;
    const char* detail;
  };
  const Row rows[] = {
      {SHUTDOWN_poweroff, ShutdownReason::poweroff, "SHUTDOWN_poweroff"},
      {SHUTDOWN_reboot, ShutdownReason::reboot, "SHUTDOWN_reboot"},
      {SHUTDOWN_crash, ShutdownReason::crash, "SHUTDOWN_crash"},
      {SHUTDOWN_watchdog, ShutdownReason::crash, "SHUTDOWN_watchdog"},
      {SHUTDOWN_soft_reset, ShutdownReason::reboot, "SHUTDOWN_soft_reset"},
      {99, ShutdownReason::crash, "unknown shutdown code 99"},
  };
  for (const Row& r : rows) {
    auto e = event_for(shut(r.code));
    BOOST_REQUIRE(e);
    BOOST_TEST((e->kind == DomainEvent::Kind::shutdown));
    BOOST_TEST(to_string(e->reason) == to_string(r.reason), "code " << r.code);
    BOOST_TEST(e->detail == r.detail);
  }
  // Suspend is not an end.
  BOOST_TEST(!event_for(shut(SHUTDOWN_suspend)));
  // Running or paused: nothing.
  DomInfo running;
  running.flags = XEN_DOMINF_running;
  BOOST_TEST(!event_for(running));
  DomInfo paused;
  paused.flags = XEN_DOMINF_paused;
  BOOST_TEST(!event_for(paused));
  // Dying without a code, or gone: poweroff.
  DomInfo dying;
  dying.flags = XEN_DOMINF_dying;
  BOOST_TEST(to_string(event_for(dying)->reason) == "poweroff");
  BOOST_TEST(event_for(dying)->detail == "dying");
  BOOST_TEST(to_string(event_for(std::nullopt)->reason) == "poweroff");
  BOOST_TEST(event_for(std::nullopt)->detail == "domain gone");
  // A code wins over dying.
  DomInfo crashed_dying = shut(SHUTDOWN_crash);
  crashed_dying.flags |= XEN_DOMINF_dying;
  BOOST_TEST(to_string(event_for(crashed_dying)->reason) == "crash");
}

BOOST_AUTO_TEST_CASE(events_come_through_the_watch_on_the_io_context) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("ev", DomainType::hvm));
  std::optional<DomainEvent> got;
  std::thread::id handler_thread;
  d->set_event_handler([&](const DomainEvent& e) {
    got = e;
    handler_thread = std::this_thread::get_id();
  });
  f.run_until([] { return false; }, 0.1);  // the initial watch event: nothing to report
  BOOST_TEST(!got);
  f.api->set_shutdown(d->id(), SHUTDOWN_reboot);
  BOOST_TEST(f.run_until([&] { return got.has_value(); }));
  BOOST_TEST(to_string(got->reason) == "reboot");
  BOOST_TEST(got->detail == "SHUTDOWN_reboot");
  BOOST_TEST((handler_thread == std::this_thread::get_id()));  // the io_context's thread
  BOOST_TEST(f.api->index_of("xs_read_watch -> @releaseDomain") >= 0);
  BOOST_TEST(f.api->index_of("xc_domain_getinfolist first=7 max=1") >= 0);
  // Once only.
  got.reset();
  f.api->fire_release_domain();
  f.run_until([] { return false; }, 0.1);
  BOOST_TEST(!got);
}

BOOST_AUTO_TEST_CASE(an_event_before_any_handler_is_kept) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("early", DomainType::hvm));
  f.api->set_shutdown(d->id(), SHUTDOWN_crash);
  f.run_until([] { return false; }, 0.2);  // delivered with no handler: kept
  std::optional<DomainEvent> got;
  d->set_event_handler([&](const DomainEvent& e) { got = e; });
  BOOST_TEST(!got);  // posted, not called inline
  BOOST_TEST(f.run_until([&] { return got.has_value(); }));
  BOOST_TEST(to_string(got->reason) == "crash");
}

BOOST_AUTO_TEST_CASE(a_destroyed_domain_reports_nothing) {
  XenFixture f;
  auto d = f.platform->create_domain(create_info("quiet", DomainType::hvm));
  bool called = false;
  d->set_event_handler([&](const DomainEvent&) { called = true; });
  d->destroy();
  f.run_until([] { return false; }, 0.2);
  BOOST_TEST(!called);
}
