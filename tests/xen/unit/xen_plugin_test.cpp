// The real plugins, loaded with Boost.DLL from the build tree, on a machine
// without Xen: they load, and the platform fails with one exact line.

#define BOOST_TEST_MODULE xen_plugin
#include <boost/test/unit_test.hpp>

#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <filesystem>

#include "hvmtool/error.hpp"
#include "hvmtool/plugin.hpp"
#include "real_xen_api.hpp"
#include "support/test_env.hpp"
#include "xen_test_util.hpp"

using namespace hvmtool;

namespace {

const std::string kNoXen = "xen platform: /dev/xen/privcmd not found: not running in a Xen dom0";

boost::dll::fs::path plugin_file(const std::string& name) {
  const char* dir = std::getenv("HVMTOOL_PLUGIN_PATH");
  BOOST_REQUIRE_MESSAGE(dir, "HVMTOOL_PLUGIN_PATH is not set (run through ctest)");
  return boost::dll::fs::path(dir) / ("hvmtool-" + name + ".so");
}

bool in_dom0() { return std::filesystem::exists(xen::kPrivcmdPath); }

}  // namespace

BOOST_AUTO_TEST_CASE(xen_plugin_loads_and_fails_with_one_line_without_xen) {
  boost::dll::shared_library lib(plugin_file("xen"), boost::dll::load_mode::rtld_now);
  BOOST_TEST(lib.get<unsigned()>("hvmtool_plugin_api_version")() == HVMTOOL_API_VERSION);
  auto& factory = lib.get_alias<PluginFactory>("hvmtool_create_plugin");
  std::unique_ptr<Plugin> plugin = factory();
  BOOST_TEST(plugin->name() == "xen");
  BOOST_TEST(plugin->provides_platform());
  boost::asio::io_context io;
  xen::test::QuietLogger log;
  PluginParams params;
  std::unique_ptr<Platform> platform = plugin->create_platform(PlatformContext{io, log, params});
  BOOST_TEST(platform->name() == "xen");
  if (in_dom0()) return;         // the rest is about a machine without Xen
  for (int i = 0; i < 2; ++i) {  // and again: still the same line, no crash
    try {
      platform->check_available();
      BOOST_FAIL("check_available succeeded without Xen");
    } catch (const PlatformError& e) {
      BOOST_TEST(std::string(e.what()) == kNoXen);
    }
  }
  DomainCreateInfo info;
  info.name = "nope";
  try {
    platform->create_domain(info);
    BOOST_FAIL("create_domain succeeded without Xen");
  } catch (const PlatformError& e) {
    BOOST_TEST(std::string(e.what()) == kNoXen);
  }
  BOOST_CHECK_THROW(platform->list_domains(), PlatformError);
  platform.reset();
  plugin.reset();
}

BOOST_AUTO_TEST_CASE(build_xen_pv_plugin_loads) {
  boost::dll::shared_library lib(plugin_file("build_xen_pv"), boost::dll::load_mode::rtld_now);
  auto& factory = lib.get_alias<PluginFactory>("hvmtool_create_plugin");
  std::unique_ptr<Plugin> plugin = factory();
  BOOST_TEST(plugin->name() == "build_xen_pv");
  BOOST_TEST(plugin->stage_slots() == std::vector<StageSlot>{StageSlot::build});
  PluginParams params;
  auto stage = plugin->create_stage(StageSlot::build, params);
  BOOST_TEST(stage->name() == "build_xen_pv");
}

BOOST_AUTO_TEST_CASE(cli_lists_the_plugins_and_run_prints_the_line) {
  if (in_dom0()) return;
  const auto bin = hvmtool::test::build_dir() / "hvmtool";
  auto r = hvmtool::test::run_command(bin.string() + " plugins");
  BOOST_TEST(r.exit_code == 0, r.out);
  BOOST_TEST(r.out.find("hvmtool-xen.so") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("hvmtool-build_xen_pv.so") != std::string::npos, r.out);

  hvmtool::test::TempDir dir;
  const auto yaml = dir.write("xen.yaml",
                              "platform: xen\n"
                              "stages: {build: build_xen_pv}\n"
                              "domain:\n"
                              "  name: noxen\n"
                              "  type: pv\n"
                              "  memory: 64M\n"
                              "  kernel: " +
                                  (hvmtool::test::source_dir() / "README.md").string() + "\n");
  r = hvmtool::test::run_command(bin.string() + " run " + yaml.string());
  BOOST_TEST(r.exit_code != 0);
  BOOST_TEST(r.out.find(kNoXen) != std::string::npos, r.out);
  // libxenctrl never ran: nothing but hvmtool's own line(s).
  BOOST_TEST(r.out.find("xc:") == std::string::npos, r.out);
  BOOST_TEST(r.out.find("xencall") == std::string::npos, r.out);
}
