// hvmtool-kvm.so loaded through Boost.DLL, as the framework's loader does:
// the exports work and a guest runs through the public interfaces alone.

#define BOOST_TEST_MODULE kvm_plugin
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>

#include "hvmtool/error.hpp"
#include "hvmtool/plugin.hpp"
#include "kvm_test_util.hpp"

using namespace hvmtool;
using namespace hvmtool::kvm::test;
using namespace std::chrono_literals;

namespace {

boost::dll::fs::path plugin_file() {
  const char* dir = std::getenv("HVMTOOL_PLUGIN_PATH");
  BOOST_REQUIRE_MESSAGE(dir, "HVMTOOL_PLUGIN_PATH is not set (run through ctest)");
  return boost::dll::fs::path(dir) / "hvmtool-kvm.so";
}

PluginParams params_with(std::map<std::string, std::string> kv) {
  std::map<std::string, ParamValue> values;
  for (auto& [k, v] : kv) values[k] = ParamValue{v, SourceLocation{"test.yaml", 3, 5}};
  return PluginParams("kvm", std::move(values), SourceLocation{"test.yaml", 2, 3});
}

}  // namespace

BOOST_AUTO_TEST_CASE(exports_and_a_guest_through_the_plugin) {
  boost::dll::shared_library lib(plugin_file(), boost::dll::load_mode::rtld_now);
  BOOST_REQUIRE(lib.has("hvmtool_plugin_api_version"));
  BOOST_TEST(lib.get<unsigned()>("hvmtool_plugin_api_version")() == HVMTOOL_API_VERSION);
  auto& factory = lib.get_alias<PluginFactory>("hvmtool_create_plugin");
  {
    std::unique_ptr<Plugin> plugin = factory();
    BOOST_TEST(plugin->name() == "kvm");
    BOOST_TEST(plugin->provides_platform());
    BOOST_TEST(plugin->stage_slots().empty());

    hvmtool::test::TempDir dir;
    boost::asio::io_context io;
    CaptureLogger log;
    auto params = params_with({{"registry_dir", (dir.path() / "reg").string()}});
    std::unique_ptr<Platform> platform = plugin->create_platform(PlatformContext{io, log, params});
    BOOST_TEST(platform->name() == "kvm");
    platform->check_available();

    ConsoleCapture console;
    DomainCreateInfo info;
    info.name = "via-plugin";
    info.max_memory = 32ull << 20;
    info.console = console.sink();
    std::unique_ptr<Domain> d = platform->create_domain(info);
    BOOST_TEST(d->populate_physmap(0, 0xA0, 0) == 0xA0u);
    BOOST_TEST(d->populate_physmap(0x100, 0x100, 0) == 0x100u);
    {
      auto image = load_guest("multi32.bin");
      auto m = d->map(0x100000, image.size());
      std::memcpy(m.data(), image.data(), image.size());
    }
    d->set_vcpu_context(0, VcpuContext::flat32(0x100000, 0x00C0FFEE));
    std::optional<DomainEvent> ev;
    d->set_event_handler([&](const DomainEvent& e) { ev = e; });
    auto work = boost::asio::make_work_guard(io);  // run_for must wait, not return at once
    d->unpause();
    for (int i = 0; i < 2000 && !ev; ++i) {
      io.restart();
      io.run_for(5ms);
    }
    BOOST_REQUIRE(ev);
    BOOST_TEST(static_cast<int>(ev->reason) == static_cast<int>(ShutdownReason::poweroff));
    BOOST_TEST(console.text(ConsoleChannel::debug) == "hello from flat32, ebx=0x00c0ffee\n");
    BOOST_TEST(platform->list_domains().size() == 1u);
    platform->store().transact([&](StoreTransaction& t) { t.write("/local/domain/1/name", "via-plugin"); });
    BOOST_TEST(platform->store().read("/local/domain/1/name").value_or("") == "via-plugin");
    d.reset();
    BOOST_TEST(platform->list_domains().empty());
  }
}

BOOST_AUTO_TEST_CASE(params_are_checked_at_creation) {
  boost::dll::shared_library lib(plugin_file(), boost::dll::load_mode::rtld_now);
  auto& factory = lib.get_alias<PluginFactory>("hvmtool_create_plugin");
  std::unique_ptr<Plugin> plugin = factory();
  boost::asio::io_context io;
  CaptureLogger log;
  auto bad = params_with({{"registry_dri", "/tmp/x"}});
  try {
    plugin->create_platform(PlatformContext{io, log, bad});
    BOOST_FAIL("unknown param accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST_MESSAGE("unknown param: " << e.what());
    BOOST_TEST(std::string(e.what()).find("registry_dri") != std::string::npos);
  }
  hvmtool::test::TempDir dir;
  auto nodev = params_with({{"device", "/nonexistent/kvm"}, {"registry_dir", dir.path().string()}});
  auto platform = plugin->create_platform(PlatformContext{io, log, nodev});
  BOOST_CHECK_THROW(platform->check_available(), PlatformError);
}

HVMTOOL_KVM_TEST_MAIN(true)
