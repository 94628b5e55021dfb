// What only the kvm platform does with a domain: its error without a KVM
// device. The guest-running cases it shares with every platform are in
// tests/domain (domain_test), which runs them on kvm where /dev/kvm exists.

#define BOOST_TEST_MODULE kvm_domain
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include "hvmtool/error.hpp"
#include "kvm_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::kvm;
using namespace hvmtool::kvm::test;

BOOST_AUTO_TEST_CASE(missing_device_is_one_clear_line) {
  boost::asio::io_context io;
  CaptureLogger log;
  hvmtool::test::TempDir dir;
  KvmOptions o;
  o.device = "/nonexistent/kvm";
  o.registry_dir = dir.path();
  KvmPlatform p(io, log, o);
  try {
    p.check_available();
    BOOST_FAIL("check_available did not throw");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "kvm: /nonexistent/kvm not present: this host has no KVM (enable virtualisation or load "
               "kvm_intel/kvm_amd)");
  }
  DomainCreateInfo info;
  info.name = "never";
  BOOST_CHECK_THROW(p.create_domain(info), PlatformError);
  BOOST_TEST(p.list_domains().empty());
}

HVMTOOL_KVM_TEST_MAIN(false)
