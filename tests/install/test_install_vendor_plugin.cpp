#define BOOST_TEST_MODULE install
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>

#include "support/test_env.hpp"

using namespace hvmtool;

// `cmake --install` into a temporary prefix, build the vendor plugins in
// tests/install/vendor_plugin against that prefix alone (find_package), and
// run pipelines through the installed hvmtool in which their stages run.
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

  // The vendor's builder (a flat-binary loader under 150 lines, installed
  // headers only) boots a guest on the emu platform: 32-bit code at 1 MiB
  // that prints a line on port 0xE9, then powers off through port 0x604.
  BOOST_REQUIRE(std::filesystem::exists(vendor_build / "hvmtool-vendor_tiny.so"));
  const std::string text = "tiny guest says hello\n";
  const std::uint32_t msg = 0x100000 + 29;  // after the 29 bytes of code
  std::string guest = {
      '\xBE', char(msg), char(msg >> 8), char(msg >> 16), char(msg >> 24),  // mov esi, msg
      '\x66', '\xBA',    '\xE9',         '\x00',                            // mov dx, 0xE9
      '\xAC', '\x84',    '\xC0',         '\x74',          '\x03',          '\xEE',
      '\xEB', '\xF8',                                                               // lodsb; test; jz +3; out; jmp
      '\x66', '\xBA',    '\x04',         '\x06',                                    // mov dx, 0x604
      '\x66', '\xB8',    '\x00',         '\x20',          '\x66',          '\xEF',  // mov ax, 0x2000 (SLP_EN); out
      '\xFA', '\xF4'};                                                              // cli; hlt
  BOOST_REQUIRE(guest.size() == 29u);
  guest += text;
  guest += '\0';
  const auto kernel = tmp.write("tiny.bin", guest);
  const auto console = tmp.path() / "tiny.log";
  std::ostringstream tiny;
  tiny << "platform: emu\n"
       << "plugins:\n  search_path: [" << vendor_build.string() << "]\n"
       << "stages: {build: vendor_tiny}\n"
       << "domain: {name: tiny, type: pvh, memory: 16M, kernel: " << kernel.string()
       << ", logfile: " << console.string() << "}\n";
  auto tiny_file = tmp.write("tiny.yaml", tiny.str());
  auto booted = test::run_command("env -u HVMTOOL_PLUGIN_PATH " + (prefix / "bin" / "hvmtool").string() +
                                  " run -F --log-dir " + tmp.path().string() + " " + tiny_file.string());
  BOOST_TEST(booted.exit_code == 0, booted.out);
  BOOST_TEST(booted.out.find("poweroff (port 0x604 SLP_EN)") != std::string::npos, booted.out);
  std::ifstream log(console);
  const std::string logged((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  BOOST_TEST(logged.find("tiny guest says hello") != std::string::npos, logged);
}
