// What only the kvm platform does with a domain: its error without a KVM
// device, and the KVM CPUID leaves a guest sees. The guest-running cases it
// shares with every platform are in tests/domain (domain_test), which runs
// them on kvm where /dev/kvm exists.

#define BOOST_TEST_MODULE kvm_domain
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <asm/kvm_para.h>

#include <cstdio>
#include <optional>

#include "hvmtool/error.hpp"
#include "kvm_host.hpp"
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

namespace {

boost::test_tools::assertion_result kvm_here(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(kvm_present());
  r.message() << "/dev/kvm not present: this case runs a guest on KVM";
  return r;
}

}  // namespace

// What Linux checks before it believes it runs on KVM ("Booting
// paravirtualized kernel on KVM", kvm-clock), read by a guest: the
// hypervisor-present bit CPUID.1:ECX[31], KVM's highest leaf in 0x40000000,
// and in 0x40000001 the paravirtual features KVM itself reports.
BOOST_AUTO_TEST_CASE(cpuid_hypervisor_bit_and_kvm_features, *boost::unit_test::precondition(kvm_here)) {
  Env env;
  auto d = env.make_domain("cpuid-leaves");
  start_multi32(*d, 12);
  auto ev = env.run(*d);
  BOOST_REQUIRE(ev);
  const std::string line = env.console.text(ConsoleChannel::debug);
  BOOST_TEST_MESSAGE(line);
  unsigned ecx1 = 0, max_leaf = 0, features = 0;
  BOOST_REQUIRE(
      std::sscanf(line.c_str(), "cpuid 1.ecx=%8x 40000000.eax=%8x 40000001.eax=%8x", &ecx1, &max_leaf, &features) == 3);
  BOOST_TEST((ecx1 >> 31) == 1u, "the guest read " << line);
  BOOST_TEST(max_leaf == unsigned(KVM_CPUID_FEATURES));
  std::optional<unsigned> offered;
  const KvmHost host("/dev/kvm");
  for (const kvm_cpuid_entry2& e : host.supported_cpuid())
    if (e.function == KVM_CPUID_FEATURES) offered = e.eax;
  BOOST_REQUIRE(offered.has_value());
  BOOST_TEST(features == *offered);
  BOOST_TEST(((features >> KVM_FEATURE_CLOCKSOURCE2) & 1) == 1u);  // kvmclock
}

HVMTOOL_KVM_TEST_MAIN(false)
