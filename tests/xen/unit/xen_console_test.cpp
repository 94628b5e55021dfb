// Guest output from the hypervisor's console ring: "(dN) text" lines (an
// HVM guest's port 0xE9, hvmloader's console) to domain N's console sink.

#define BOOST_TEST_MODULE xen_console
#include <boost/test/unit_test.hpp>

#include <pty.h>
#include <unistd.h>

#include "console_ring.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::xen;
using namespace hvmtool::xen::test;

BOOST_AUTO_TEST_CASE(ring_lines) {
  auto l = parse_ring_line("(d7) HVM Loader");
  BOOST_REQUIRE(l);
  BOOST_TEST(l->domid == 7u);
  BOOST_TEST((l->channel == ConsoleChannel::debug));
  BOOST_TEST(l->text == "HVM Loader\n");
  l = parse_ring_line("[2026-11-25 03:00:01.123] (d12) E820 table:\r");
  BOOST_REQUIRE(l);
  BOOST_TEST(l->domid == 12u);
  BOOST_TEST(l->text == "E820 table:\n");
  l = parse_ring_line("(XEN) d7v0 Triple fault - invoking HVM shutdown action 1");
  BOOST_REQUIRE(l);
  BOOST_TEST(l->domid == 7u);
  BOOST_TEST((l->channel == ConsoleChannel::hypervisor));
  BOOST_TEST(l->text == "(XEN) d7v0 Triple fault - invoking HVM shutdown action 1\n");
  BOOST_TEST(!parse_ring_line("(XEN) Xen version 4.17.7"));
  BOOST_TEST(!parse_ring_line("(XEN) Dom0 has maximum 2 VCPUs"));
  BOOST_TEST(!parse_ring_line("(XEN) some hd0 thing"));
  BOOST_TEST(!parse_ring_line("plain text"));
}

BOOST_AUTO_TEST_CASE(router_joins_split_lines) {
  ConsoleRouter r;
  std::vector<std::string> got;
  auto out = [&](const RingLine& l) { got.push_back(std::to_string(l.domid) + ":" + l.text); };
  r.feed("(d3) hel", out);
  BOOST_TEST(got.empty());
  r.feed("lo\n(d4) x\n(d3", out);
  r.feed(") y\n", out);
  BOOST_TEST(got == (std::vector<std::string>{"3:hello\n", "4:x\n", "3:y\n"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(domain_console_gets_its_lines_only) {
  XenFixture f;
  f.api->console_write("(d7) from an earlier domain 7\n(XEN) boot noise\n");
  std::vector<std::pair<ConsoleChannel, std::string>> got;
  std::mutex mu;
  auto info = create_info("con", DomainType::hvm);
  info.console = [&](ConsoleChannel c, std::string_view t) {
    std::lock_guard l(mu);
    got.emplace_back(c, std::string(t));
  };
  auto d = f.platform->create_domain(info);
  BOOST_TEST(d->id() == 7u);
  f.api->console_write("(d7) HVM Loader\n(d8) not mine\n(XEN) d7v0 Triple fault\n(d7) E820 ta");
  BOOST_TEST(f.run_until([&] {
    std::lock_guard l(mu);
    return got.size() >= 2;
  }));
  f.api->console_write("ble:\n");
  BOOST_TEST(f.run_until([&] {
    std::lock_guard l(mu);
    return got.size() >= 3;
  }));
  std::lock_guard l(mu);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST((got[0].first == ConsoleChannel::debug));
  BOOST_TEST(got[0].second == "HVM Loader\n");
  BOOST_TEST((got[1].first == ConsoleChannel::hypervisor));
  BOOST_TEST(got[1].second == "(XEN) d7v0 Triple fault\n");
  BOOST_TEST(got[2].second == "E820 table:\n");
}

BOOST_AUTO_TEST_CASE(no_console_ring_access_is_one_warning) {
  XenFixture f;
  f.api->fail_call = "xc_readconsolering";
  auto info = create_info("nocon", DomainType::hvm);
  info.console = [](ConsoleChannel, std::string_view) {};
  auto d = f.platform->create_domain(info);
  f.run_until([] { return false; }, 0.3);
  int warnings = 0;
  for (const auto& line : f.log.lines())
    if (line.find("xc_readconsolering") != std::string::npos) ++warnings;
  BOOST_TEST(warnings == 1);
}

BOOST_AUTO_TEST_CASE(xenconsoled_pty_is_read_once_it_appears) {
  XenFixture f;
  int master = -1, slave = -1;
  char name[256] = {};
  BOOST_REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
  ::close(slave);  // the platform opens it by name, as it would xenconsoled's
  std::string got;
  std::mutex mu;
  auto info = create_info("pv", DomainType::pv);
  info.console = [&](ConsoleChannel c, std::string_view t) {
    if (c != ConsoleChannel::serial) return;
    std::lock_guard l(mu);
    got += t;
  };
  auto d = f.platform->create_domain(info);
  BOOST_TEST(f.api->index_of("xs_watch /local/domain/7/console/tty hvmtool-tty-7") >= 0);
  f.run_until([] { return false; }, 0.1);  // the initial watch event: no tty yet
  // xenconsoled attaches and publishes its pty.
  f.platform->store().transact([&](StoreTransaction& t) { t.write("/local/domain/7/console/tty", name); });
  f.run_until([] { return false; }, 0.1);
  const std::string text = "Linux version 6.1 marker-pv\n";
  BOOST_REQUIRE(::write(master, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  BOOST_TEST(f.run_until([&] {
    std::lock_guard l(mu);
    return got.find("marker-pv") != std::string::npos;
  }));
  d->destroy();
  BOOST_TEST(f.api->index_of("xs_unwatch /local/domain/7/console/tty hvmtool-tty-7") >= 0);
  ::close(master);
}
