#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"
#include "cli/parse_options.hpp"
#include "config/pipeline_config.hpp"
#include "hvmtool/error.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

// `hvmtool convert guest.cfg`: what `virsh domxml-from-native` is to libvirt.
int command_convert(const std::vector<std::string>& args) {
  po::options_description options("hvmtool convert FILE.cfg [-o OUT.yaml]");
  options.add_options()("output,o", po::value<std::string>(), "write here, not to stdout")(
      "file", po::value<std::string>(), "an xl.cfg file");
  po::positional_options_description positional;
  positional.add("file", 1);
  const auto parsed = parse_options(args, options, positional);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (!vm.count("file")) {
    std::cerr << "hvmtool: convert needs an xl.cfg file\n";
    return kExitUsage;
  }
  const std::string file = vm["file"].as<std::string>();
  std::string yaml;
  try {
    yaml = convert_xl_cfg_to_yaml(file);
  } catch (const Error& e) {
    std::cerr << "hvmtool: " << e.what() << "\n";
    return kExitUsage;
  }
  if (!vm.count("output")) {
    std::cout << yaml;
    return kExitOk;
  }
  const std::string out = vm["output"].as<std::string>();
  std::ofstream f(out, std::ios::trunc);
  f << yaml;
  f.close();
  if (!f) {
    std::cerr << "hvmtool: cannot write " << out << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace hvmtool::cli
