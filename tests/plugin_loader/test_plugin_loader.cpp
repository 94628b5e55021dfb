#define BOOST_TEST_MODULE plugin_loader
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "plugin/plugin_loader.hpp"
#include "support/test_env.hpp"

using namespace hvmtool;
namespace fs = std::filesystem;

namespace {

PluginLoader test_loader() { return PluginLoader({test::test_plugin_dir(), test::build_dir() / "plugins"}); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const PluginError& e) {
    return e.what();
  }
  return "(no error)";
}

bool library_mapped(const std::string& file_name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(file_name) != std::string::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(loads_a_plugin_built_by_the_tests_and_creates_its_stages) {
  auto loader = test_loader();
  auto plugin = loader.load("teststage");
  BOOST_TEST(plugin->name() == "teststage");
  BOOST_TEST(plugin->stage_slots().size() == 7u);
  PluginParams params;
  auto stage = loader.create_stage("teststage", StageSlot::build, params);
  BOOST_TEST(stage->name() == "teststage");
}

BOOST_AUTO_TEST_CASE(objects_keep_their_library_loaded_after_the_loader_is_gone) {
  std::shared_ptr<Stage> stage;
  {
    auto loader = test_loader();
    PluginParams params;
    stage = loader.create_stage("teststage", StageSlot::wait, params);
  }
  BOOST_TEST(library_mapped("hvmtool-teststage.so"));
  BOOST_TEST(stage->name() == "teststage");  // its vtable is still mapped
  stage.reset();
  BOOST_TEST(!library_mapped("hvmtool-teststage.so"));
}

BOOST_AUTO_TEST_CASE(abi_mismatch_is_refused_naming_the_file_and_both_versions) {
  auto loader = test_loader();
  const std::string file = (test::test_plugin_dir() / "hvmtool-abimismatch.so").string();
  BOOST_TEST(error_of([&] { loader.load("abimismatch"); }) ==
             file +
                 ": plugin 'abimismatch' was built for plugin API 999; this hvmtool (0.1.0) has API 4 (API 999 is "
                 "newer than this hvmtool): rebuild the plugin against this hvmtool's headers");
}

// A plugin from before the build state: the message says what changed.
BOOST_AUTO_TEST_CASE(an_older_plugin_is_refused_saying_what_changed_since_its_version) {
  // Written out, not built from kApiChanges: this is the text a vendor reads.
  const std::string since_1 =
      "2: StageContext::notes replaced by the typed BuildState (StageContext::state); Platform::features(); 3: "
      "PlatformFeatures::lapic and lapic_id_step; BuildState::acpi_rsdp; StageContext::firmware_images; 4: "
      "Stage::check_domain (a stage checks its own words in the domain section at load); "
      "DomainConfig::firmware_where and bios_where; firmware names are the firmware plugin's";
  const std::string rebuild = "): rebuild the plugin against this hvmtool's headers";
  auto loader = test_loader();
  const std::string file = (test::test_plugin_dir() / "hvmtool-apiv1.so").string();
  BOOST_TEST(error_of([&] { loader.load("apiv1"); }) ==
             file + ": plugin 'apiv1' was built for plugin API 1; this hvmtool (0.1.0) has API 4 (" + since_1 +
                 rebuild);
  // Every change since, oldest first.
  BOOST_TEST(api_mismatch("old", 0) ==
             "plugin 'old' was built for plugin API 0; this hvmtool (0.1.0) has API 4 (1: "
             "the first plugin API; " +
                 since_1 + rebuild);
}

BOOST_AUTO_TEST_CASE(a_library_that_is_not_a_plugin_is_refused) {
  auto loader = test_loader();
  const std::string file = (test::test_plugin_dir() / "hvmtool-notaplugin.so").string();
  BOOST_TEST(error_of([&] { loader.load("notaplugin"); }) ==
             file + ": not an hvmtool plugin (it exports no hvmtool_plugin_api_version)");
}

BOOST_AUTO_TEST_CASE(a_plugin_without_factory_is_refused) {
  auto loader = test_loader();
  const std::string file = (test::test_plugin_dir() / "hvmtool-nofactory.so").string();
  BOOST_TEST(error_of([&] { loader.load("nofactory"); }) ==
             file + ": exports no hvmtool_create_plugin factory (use HVMTOOL_PLUGIN(YourClass))");
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_shared_library_is_refused_with_the_loader_reason) {
  test::TempDir dir;
  dir.write("hvmtool-garbage.so", std::string(4096, 'x'));  // long enough to have a header
  PluginLoader loader({dir.path()});
  std::string error = error_of([&] { loader.load("garbage"); });
  BOOST_TEST(error.starts_with((dir.path() / "hvmtool-garbage.so").string() + ": cannot load: "));
  BOOST_TEST(error.find("invalid ELF header") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(a_missing_plugin_lists_where_it_looked) {
  PluginLoader loader({"/nonexistent/a", "/nonexistent/b"});
  BOOST_TEST(error_of([&] { loader.load("nosuch"); }) ==
             "plugin 'nosuch' not found: no hvmtool-nosuch.so in /nonexistent/a, /nonexistent/b");
}

BOOST_AUTO_TEST_CASE(plugin_names_cannot_escape_the_search_path) {
  auto loader = test_loader();
  BOOST_TEST(error_of([&] { loader.load("../teststage"); }) ==
             "plugin name '../teststage' is invalid: use lower-case letters, digits, '_' and '-'");
}

BOOST_AUTO_TEST_CASE(a_plugin_that_cannot_fill_the_slot_says_what_it_provides) {
  auto loader = test_loader();
  PluginParams params;
  BOOST_TEST(error_of([&] { loader.create_stage("core", StageSlot::bootloader, params); }) ==
             "plugin 'core' cannot serve stage 'bootloader' (it provides: make, build_pre, build_post, unpause, "
             "wait)");
  BOOST_TEST(error_of([&] { loader.create_firmware("core", params); }) == "plugin 'core' is not a firmware provider");
}

BOOST_AUTO_TEST_CASE(discover_lists_plugins_and_the_errors_of_broken_ones) {
  auto loader = test_loader();
  auto found = loader.discover();
  std::map<std::string, PluginFileInfo> by_name;
  for (auto& info : found) by_name[info.name] = info;
  BOOST_REQUIRE(by_name.count("teststage"));
  BOOST_TEST(by_name["teststage"].error.empty());
  BOOST_TEST(by_name["teststage"].api_version == kApiVersion);
  BOOST_REQUIRE(by_name.count("core"));
  BOOST_TEST(by_name["core"].stages.size() == 5u);
  BOOST_REQUIRE(by_name.count("abimismatch"));
  BOOST_TEST(by_name["abimismatch"].error.find("was built for plugin API 999") != std::string::npos);
  BOOST_REQUIRE(by_name.count("testplatform"));
  BOOST_TEST(by_name["testplatform"].platform);
}

BOOST_AUTO_TEST_CASE(plugin_parameters_are_validated_at_creation) {
  auto loader = test_loader();
  PluginParams params("teststage", {{"behavior", {"ok", {"p.yaml", 7, 5}}}});
  std::string error;
  try {
    loader.create_stage("teststage", StageSlot::build, params);
  } catch (const ConfigError& e) {
    error = e.what();
  }
  BOOST_TEST(error.starts_with("p.yaml:7:5: field 'params.teststage.behavior'"), error);
  BOOST_TEST(error.find("did you mean 'behaviour'") != std::string::npos, error);
}

// The exception a plugin throws (its own type, or an int) reaches the caller
// as a framework-owned copy, so it can be read after the library is gone.
BOOST_AUTO_TEST_CASE(a_plugins_exception_is_copied_before_its_library_is_unloaded) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"own", "plugin 'thrower': create_stage: thrower: create_stage failed on purpose"},
      {"int", "plugin 'thrower': create_stage: non-standard exception of type 'int'"}};
  for (const auto& [what, message] : cases) {
    std::exception_ptr caught;
    {
      auto loader = test_loader();
      PluginParams params("thrower", {{"at", {"create_stage", {}}}, {"what", {what, {}}}});
      try {
        loader.create_stage("thrower", StageSlot::build, params);
      } catch (const PluginError&) {
        caught = std::current_exception();
      }
      BOOST_TEST(library_mapped("hvmtool-thrower.so"));
    }
    // The loader held the last reference to the library.
    BOOST_TEST(!library_mapped("hvmtool-thrower.so"), what);
    BOOST_REQUIRE(caught);
    BOOST_TEST(error_of([&] { std::rethrow_exception(caught); }) == message);
  }
}
