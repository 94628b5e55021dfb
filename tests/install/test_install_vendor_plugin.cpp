#define BOOST_TEST_MODULE install
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "support/test_env.hpp"

using namespace hvmtool;

// `cmake --install` into a temporary prefix, build the vendor plugin in
// tests/install/vendor_plugin against that prefix alone (find_package), and
// run a pipeline through the installed hvmtool in which its stage runs.
BOOST_AUTO_TEST_CASE(out_of_tree_plugin_builds_against_the_installed_package_and_runs) {
  test::TempDir tmp;
  const auto prefix = tmp.path() / "prefix";
  const auto vendor_build = tmp.path() / "vendor-build";
  const auto build = test::build_dir().string();

  auto install = test::run_command("cmake --install " + build + " --prefix " + prefix.string());
  BOOST_REQUIRE_MESSAGE(install.exit_code == 0, install.out);
  BOOST_TEST(std::filesystem::exists(prefix / "include" / "hvmtool" / "hvmtool.hpp"));
  BOOST_TEST(std::filesystem::exists(prefix / "bin" / "hvmtool"));

  // Only the install prefix: the vendor project cannot see the source tree.
  auto configure = test::run_command("cmake -S " + (test::source_dir() / "tests/install/vendor_plugin").string() +
                                     " -B " + vendor_build.string() + " -DCMAKE_PREFIX_PATH=" + prefix.string());
  BOOST_REQUIRE_MESSAGE(configure.exit_code == 0, configure.out);
  auto compile = test::run_command("cmake --build " + vendor_build.string());
  BOOST_REQUIRE_MESSAGE(compile.exit_code == 0, compile.out);
  BOOST_REQUIRE(std::filesystem::exists(vendor_build / "hvmtool-vendor_hello.so"));

  const auto marker = tmp.path() / "marker.txt";
  std::ostringstream yaml;
  yaml << "platform: testplatform\n"
       << "plugins:\n  search_path: [" << vendor_build.string() << ", " << test::test_plugin_dir().string() << "]\n"
       << "stages: {bootloader: teststage, build_pre: vendor_hello, build: teststage}\n"
       << "params:\n  vendor_hello: {marker: " << marker.string() << "}\n"
       << "domain: {name: vendored, type: pvh}\n";
  auto file = tmp.write("vendor.yaml", yaml.str());
  // The installed binary, with the build tree's plugins hidden from it.
  auto run = test::run_command("env -u HVMTOOL_PLUGIN_PATH " + (prefix / "bin" / "hvmtool").string() +
                               " run -F --log-dir " + tmp.path().string() + " " + file.string());
  BOOST_TEST(run.exit_code == 0, run.out);
  std::ifstream in(marker);
  std::string line;
  std::getline(in, line);
  BOOST_TEST(line == "vendor_hello ran for vendored domid 1 uuid version 4");
}
