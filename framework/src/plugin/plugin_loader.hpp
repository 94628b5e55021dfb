#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hvmtool/plugin.hpp"

#include "hvmtool/export.hpp"

namespace hvmtool {

// What `hvmtool plugins` shows about one file on the search path.
struct PluginFileInfo {
  std::filesystem::path path;
  std::string name;  // from the file name hvmtool-NAME.so
  unsigned api_version = 0;
  std::string version;
  std::string description;
  std::vector<StageSlot> stages;
  bool platform = false;
  bool firmware = false;
  std::string error;  // non-empty if the file could not be loaded
};

// Why a plugin built for API `version` is refused: both versions and what
// changed between them (kApiChanges).
HVMTOOL_API std::string api_mismatch(const std::string& plugin, unsigned version);

// Finds plugins (hvmtool-NAME.so) on a search path and loads them with
// Boost.DLL. Every object handed out holds a reference to the library it came
// from, so a library stays mapped while anything it created is alive, even
// after the loader itself is gone.
class HVMTOOL_API PluginLoader {
 public:
  explicit PluginLoader(std::vector<std::filesystem::path> search_path);

  // HVMTOOL_PLUGIN_PATH (colon-separated), then the build tree / install
  // locations relative to the running executable, then the install prefix.
  static std::vector<std::filesystem::path> default_search_path();

  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

  // Throws PluginError: not found (listing where it looked), not a plugin,
  // API version mismatch (naming the file and both versions).
  std::shared_ptr<Plugin> load(const std::string& name);
  std::shared_ptr<Plugin> load_file(const std::filesystem::path& file, const std::string& expected_name);

  std::shared_ptr<Stage> create_stage(const std::string& plugin, StageSlot slot, const PluginParams& params);
  std::shared_ptr<Platform> create_platform(const std::string& plugin, const PlatformContext& ctx);
  std::shared_ptr<FirmwareProvider> create_firmware(const std::string& plugin, const PluginParams& params);

  // Every hvmtool-*.so on the search path (first occurrence of each name wins).
  std::vector<PluginFileInfo> discover();
  // Where plugin `name` would be loaded from; empty if it is not installed.
  std::filesystem::path find(const std::string& name) const;

 private:
  std::vector<std::filesystem::path> search_path_;
  std::map<std::string, std::shared_ptr<Plugin>> loaded_;
};

// hvmtool-NAME.so for a plugin name.
HVMTOOL_API std::string plugin_file_name(const std::string& name);

}  // namespace hvmtool
