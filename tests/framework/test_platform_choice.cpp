#define BOOST_TEST_MODULE platform_choice
#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "hvmtool/error.hpp"
#include "runner/platform_choice.hpp"
#include "support/recording_platform.hpp"

using namespace hvmtool;

namespace {

constexpr std::array<std::string_view, 3> kCandidates = {"kvm", "xen", "emu"};

// Opens the candidates named in `usable`; the others fail as a platform
// plugin's check_available does, with one line naming the reason.
struct FakeHost {
  std::vector<std::string> usable;
  std::vector<std::string> tried;
  boost::asio::io_context io;
  std::shared_ptr<Platform> operator()(const std::string& plugin) {
    tried.push_back(plugin);
    for (const auto& u : usable)
      if (u == plugin) return std::make_shared<test::RecordingPlatform>(io, std::make_shared<test::CallLog>());
    throw PlatformError(plugin + ": not on this host");
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(first_usable_candidate_wins_quietly) {
  FakeHost host{{"kvm", "emu"}, {}, {}};
  PlatformChoice c = choose_platform(kCandidates, std::ref(host));
  BOOST_TEST(c.plugin == "kvm");
  BOOST_TEST(c.platform != nullptr);
  BOOST_TEST(c.fallback.empty());
  BOOST_TEST(host.tried == std::vector<std::string>{"kvm"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fallback_names_the_choice_and_every_reason) {
  FakeHost host{{"emu"}, {}, {}};
  PlatformChoice c = choose_platform(kCandidates, std::ref(host));
  BOOST_TEST(c.plugin == "emu");
  BOOST_TEST(c.fallback == "platform auto: using emu (kvm: not on this host; xen: not on this host)");
  BOOST_TEST(host.tried == (std::vector<std::string>{"kvm", "xen", "emu"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nothing_usable_is_one_error_with_all_reasons) {
  FakeHost host{{}, {}, {}};
  try {
    choose_platform(kCandidates, std::ref(host));
    BOOST_FAIL("expected PlatformError");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) ==
               "platform auto: no platform can run on this host (kvm: not on this host; xen: not on this host; emu: "
               "not on this host)");
  }
}
