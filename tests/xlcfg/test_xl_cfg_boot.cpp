// An xl.cfg guest boots: `hvmtool run` on a pipeline that names the test
// platform and takes its domain from an xl.cfg file.
#define BOOST_TEST_MODULE xl_cfg_boot
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "support/platform_suite_main.hpp"
#include "support/test_env.hpp"

namespace fs = std::filesystem;
using namespace hvmtool;

// `hvmtool run` of an xl.cfg file boots the guest (hvmloader boots the test
// kernel, as config/hvm-hvmloader.yaml does); the kernel path is relative,
// from the working directory, as in xl.
BOOST_AUTO_TEST_CASE(an_xl_cfg_guest_boots) {
  test::TempDir dir;
  dir.write("guest.cfg",
            "name = \"xl-guest\"\ntype = \"hvm\"\nmemory = 128\n"
            "kernel = \"tests/guests/testkernel.bzImage\"\n"
            "extra = \"console=ttyS0 hvmtool=xl-guest\"\nvif = [ 'bridge=xenbr0' ]\n");
  const fs::path p =
      dir.write("p.yaml", test::on_test_platform("domain: {xl_cfg: " + (dir.path() / "guest.cfg").string() + "}\n"));
  const std::string env = "HVMTOOL_EMU_REGISTRY=" + (dir.path() / "reg").string() +
                          " HVMTOOL_KVM_REGISTRY=" + (dir.path() / "reg").string() +
                          " HVMTOOL_LOG_DIR=" + dir.path().string();
  const auto r =
      test::run_command("cd " + test::build_dir().string() + " && " + env + " ./hvmtool run -F -c " + p.string());
  BOOST_CHECK_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << ":\n" << r.out);
  BOOST_TEST(r.out.find("guest.cfg:6: key 'vif'") != std::string::npos);
  BOOST_TEST(r.out.find("testkernel: cmdline \"console=ttyS0 hvmtool=xl-guest\"") != std::string::npos);
  BOOST_TEST(r.out.find("testkernel: done") != std::string::npos);
}

int main(int argc, char* argv[]) {
  return test::platform_suite_main(
      argc, argv, {test::build_dir() / "hvmloader/hvmloader", test::build_dir() / "tests/guests/testkernel.bzImage"});
}
