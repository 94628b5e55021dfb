#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>

#include "hvmtool/error.hpp"
#include "hvmtool/firmware.hpp"
#include "hvmtool/params.hpp"
#include "hvmtool/platform.hpp"
#include "hvmtool/stage.hpp"
#include "hvmtool/version.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// What one plugin library provides: stages for some slots, and/or a
// platform, and/or a firmware provider. Objects it creates keep the library
// loaded for as long as they live (the loader sees to that). Whatever a
// plugin throws, of any type, the framework copies at once into its own
// error, naming the plugin and the call, before the library can go.
class HVMTOOL_API Plugin {
 public:
  virtual ~Plugin() = default;

  virtual std::string_view name() const = 0;
  virtual std::string_view version() const = 0;
  virtual std::string_view description() const { return {}; }

  virtual std::vector<StageSlot> stage_slots() const { return {}; }
  // Called at load time: parse and validate `params` here, not in async_run.
  virtual std::unique_ptr<Stage> create_stage(StageSlot slot, const PluginParams& params) {
    (void)params;
    throw PluginError(std::string(name()) + ": provides no '" + std::string(to_string(slot)) + "' stage");
  }

  virtual bool provides_platform() const { return false; }
  virtual std::unique_ptr<Platform> create_platform(const PlatformContext& ctx) {
    (void)ctx;
    throw PluginError(std::string(name()) + ": is not a platform");
  }

  virtual bool provides_firmware() const { return false; }
  virtual std::unique_ptr<FirmwareProvider> create_firmware(const PluginParams& params) {
    (void)params;
    throw PluginError(std::string(name()) + ": is not a firmware provider");
  }
};

using PluginFactory = std::unique_ptr<Plugin>();

}  // namespace hvmtool

// Exports a plugin class from a shared library. The plain C version function
// is what the loader reads first; nothing C++ is touched on a mismatch.
#define HVMTOOL_PLUGIN(PluginClass)                                                                                    \
  extern "C" BOOST_SYMBOL_EXPORT unsigned hvmtool_plugin_api_version() { return HVMTOOL_API_VERSION; }                 \
  static std::unique_ptr<::hvmtool::Plugin> hvmtool_make_plugin_instance() { return std::make_unique<PluginClass>(); } \
  BOOST_DLL_ALIAS(hvmtool_make_plugin_instance, hvmtool_create_plugin)
