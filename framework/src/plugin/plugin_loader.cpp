#include "plugin/plugin_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>

#include "hvmtool/version.hpp"
#include "plugin/plugin_boundary.hpp"

namespace hvmtool {

namespace fs = std::filesystem;

namespace {

constexpr const char* kVersionSymbol = "hvmtool_plugin_api_version";
constexpr const char* kFactoryAlias = "hvmtool_create_plugin";
constexpr std::string_view kFilePrefix = "hvmtool-";
constexpr std::string_view kFileSuffix = ".so";

bool valid_plugin_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

// Wraps an object made by a plugin so that it keeps the plugin (and with it
// the library holding the object's code) alive until the object is deleted.
template <typename T>
std::shared_ptr<T> hold_library(std::unique_ptr<T> object, std::shared_ptr<Plugin> plugin) {
  T* raw = object.release();
  return std::shared_ptr<T>(raw, [plugin = std::move(plugin)](T* p) { delete p; });
}

std::string join_paths(const std::vector<fs::path>& paths) {
  std::string out;
  for (const auto& p : paths) {
    if (!out.empty()) out += ", ";
    out += p.string();
  }
  return out.empty() ? "(empty search path)" : out;
}

}  // namespace

std::string api_mismatch(const std::string& plugin, unsigned version) {
  std::string changes;
  if (version > kApiVersion) {
    changes = "API " + std::to_string(version) + " is newer than this hvmtool";
  } else {
    for (const ApiChange& c : kApiChanges) {
      if (c.version <= version || c.version > kApiVersion) continue;
      if (!changes.empty()) changes += "; ";
      changes += std::to_string(c.version) + ": " + c.what;
    }
  }
  return "plugin '" + plugin + "' was built for plugin API " + std::to_string(version) + "; this hvmtool (" +
         kVersionString + ") has API " + std::to_string(kApiVersion) + " (" + changes +
         "): rebuild the plugin against this hvmtool's headers";
}

std::string plugin_file_name(const std::string& name) {
  return std::string(kFilePrefix) + name + std::string(kFileSuffix);
}

PluginLoader::PluginLoader(std::vector<fs::path> search_path) {
  // The same folder can arrive twice (HVMTOOL_PLUGIN_PATH naming the build
  // tree the binary also finds by itself); keep the first, in order.
  for (auto& dir : search_path) {
    fs::path normal = dir.lexically_normal();
    if (std::find(search_path_.begin(), search_path_.end(), normal) == search_path_.end())
      search_path_.push_back(std::move(normal));
  }
}

std::vector<fs::path> PluginLoader::default_search_path() {
  std::vector<fs::path> path;
  if (const char* env = std::getenv("HVMTOOL_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) path.emplace_back(item);
  }
  // The executable's own neighbourhood first, so a build tree or a relocated
  // install uses its own plugins rather than a system-wide copy.
  boost::system::error_code ec;
  fs::path exe_dir = fs::path(boost::dll::program_location(ec).parent_path().string());
  if (!ec && !exe_dir.empty()) {
    path.push_back(exe_dir / "plugins");
    path.push_back(exe_dir / ".." / "lib" / "hvmtool" / "plugins");
  }
  path.emplace_back(HVMTOOL_INSTALL_PLUGINDIR);
  return path;
}

fs::path PluginLoader::find(const std::string& name) const {
  const std::string file = plugin_file_name(name);
  for (const auto& dir : search_path_) {
    std::error_code ec;
    fs::path candidate = dir / file;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

std::shared_ptr<Plugin> PluginLoader::load(const std::string& name) {
  if (auto it = loaded_.find(name); it != loaded_.end()) return it->second;
  if (!valid_plugin_name(name))
    throw PluginError("plugin name '" + name + "' is invalid: use lower-case letters, digits, '_' and '-'");
  fs::path file = find(name);
  if (file.empty())
    throw PluginError("plugin '" + name + "' not found: no " + plugin_file_name(name) + " in " +
                      join_paths(search_path_));
  auto plugin = load_file(file, name);
  loaded_.emplace(name, plugin);
  return plugin;
}

std::shared_ptr<Plugin> PluginLoader::load_file(const fs::path& file, const std::string& expected_name) {
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::system::error_code ec;
  library->load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_now, ec);
  if (ec) {
    // dlerror() names the real cause (missing dependency, wrong ELF class...).
    const char* why = ::dlerror();
    throw PluginError(file.string() + ": cannot load: " + (why ? std::string(why) : ec.message()));
  }
  // The version check comes first and uses only a C symbol: a plugin built
  // against another API version may have incompatible vtables.
  if (!library->has(kVersionSymbol))
    throw PluginError(file.string() + ": not an hvmtool plugin (it exports no " + std::string(kVersionSymbol) + ")");
  const std::string who = expected_name.empty() ? file.filename().string() : expected_name;
  unsigned version = library->get<unsigned()>(kVersionSymbol)();
  if (version != kApiVersion) throw PluginError(file.string() + ": " + api_mismatch(who, version));
  if (!library->has(kFactoryAlias))
    throw PluginError(file.string() + ": exports no " + std::string(kFactoryAlias) +
                      " factory (use HVMTOOL_PLUGIN(YourClass))");
  // From here on every call runs plugin code, so it goes through the
  // boundary; `library` is held until the plugin object owns it.
  auto& factory = library->get_alias<PluginFactory>(kFactoryAlias);
  std::unique_ptr<Plugin> made = call_plugin(who, "factory", [&] { return factory(); });
  if (!made) throw PluginError(file.string() + ": plugin factory returned nothing");
  Plugin* raw = made.release();
  std::shared_ptr<Plugin> plugin(raw, [library](Plugin* p) { delete p; });
  const std::string actual = call_plugin(who, "name", [&] { return std::string(plugin->name()); });
  if (!expected_name.empty() && actual != expected_name)
    throw PluginError(file.string() + ": calls itself '" + actual + "', expected '" + expected_name + "'");
  return plugin;
}

std::shared_ptr<Stage> PluginLoader::create_stage(const std::string& name, StageSlot slot, const PluginParams& params) {
  auto plugin = load(name);
  auto slots = call_plugin(name, "stage_slots", [&] { return plugin->stage_slots(); });
  if (std::find(slots.begin(), slots.end(), slot) == slots.end()) {
    std::string offered;
    for (StageSlot s : slots) offered += (offered.empty() ? "" : ", ") + std::string(to_string(s));
    throw PluginError("plugin '" + name + "' cannot serve stage '" + std::string(to_string(slot)) +
                      "' (it provides: " + (offered.empty() ? "no stages" : offered) + ")");
  }
  auto stage = call_plugin(name, "create_stage", [&] { return plugin->create_stage(slot, params); });
  if (!stage) throw PluginError("plugin '" + name + "' made no stage for '" + std::string(to_string(slot)) + "'");
  return hold_library(std::move(stage), plugin);
}

std::shared_ptr<Platform> PluginLoader::create_platform(const std::string& name, const PlatformContext& ctx) {
  auto plugin = load(name);
  if (!call_plugin(name, "provides_platform", [&] { return plugin->provides_platform(); }))
    throw PluginError("plugin '" + name + "' is not a platform");
  auto platform = call_plugin(name, "create_platform", [&] { return plugin->create_platform(ctx); });
  if (!platform) throw PluginError("plugin '" + name + "' made no platform");
  return hold_library(std::move(platform), plugin);
}

std::shared_ptr<FirmwareProvider> PluginLoader::create_firmware(const std::string& name, const PluginParams& params) {
  auto plugin = load(name);
  if (!call_plugin(name, "provides_firmware", [&] { return plugin->provides_firmware(); }))
    throw PluginError("plugin '" + name + "' is not a firmware provider");
  auto firmware = call_plugin(name, "create_firmware", [&] { return plugin->create_firmware(params); });
  if (!firmware) throw PluginError("plugin '" + name + "' made no firmware provider");
  return hold_library(std::move(firmware), plugin);
}

std::vector<PluginFileInfo> PluginLoader::discover() {
  std::vector<PluginFileInfo> found;
  std::vector<std::string> seen;
  for (const auto& dir : search_path_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::string base = file.filename().string();
      if (!base.starts_with(kFilePrefix) || !base.ends_with(kFileSuffix)) continue;
      std::string name = base.substr(kFilePrefix.size(), base.size() - kFilePrefix.size() - kFileSuffix.size());
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      PluginFileInfo info;
      info.path = file;
      info.name = name;
      try {
        auto plugin = load_file(file, name);
        info.api_version = kApiVersion;
        info.version = call_plugin(name, "version", [&] { return std::string(plugin->version()); });
        info.description = call_plugin(name, "description", [&] { return std::string(plugin->description()); });
        info.stages = call_plugin(name, "stage_slots", [&] { return plugin->stage_slots(); });
        info.platform = call_plugin(name, "provides_platform", [&] { return plugin->provides_platform(); });
        info.firmware = call_plugin(name, "provides_firmware", [&] { return plugin->provides_firmware(); });
      } catch (const std::exception& e) {  // framework-owned: load_file and call_plugin made it
        info.error = e.what();
      }
      found.push_back(std::move(info));
    }
  }
  return found;
}

}  // namespace hvmtool
