#include <iostream>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"
#include "cli/parse_options.hpp"
#include "plugin/plugin_loader.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

int command_plugins(const std::vector<std::string>& args) {
  po::options_description options("hvmtool plugins");
  if (!parse_options(args, options, {})) return kExitOk;
  PluginLoader loader(PluginLoader::default_search_path());
  std::cout << "search path:";
  for (const auto& dir : loader.search_path()) std::cout << " " << dir.string();
  std::cout << "\n";
  bool all_ok = true;
  for (const auto& info : loader.discover()) {
    std::cout << info.name << "  " << info.path.string() << "\n";
    if (!info.error.empty()) {
      std::cout << "    error: " << info.error << "\n";
      all_ok = false;
      continue;
    }
    std::cout << "    version " << info.version << ", API " << info.api_version;
    if (!info.description.empty()) std::cout << ": " << info.description;
    std::cout << "\n    provides:";
    for (StageSlot s : info.stages) std::cout << " " << to_string(s);
    if (info.platform) std::cout << " platform";
    if (info.firmware) std::cout << " firmware";
    std::cout << "\n";
  }
  return all_ok ? kExitOk : kExitUsage;
}

}  // namespace hvmtool::cli
