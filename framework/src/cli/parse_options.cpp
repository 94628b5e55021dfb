#include "cli/parse_options.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace hvmtool::cli {

std::optional<po::variables_map> parse_options(const std::vector<std::string>& args, po::options_description& options,
                                               const po::positional_options_description& positional) {
  options.add_options()("help,h", "this text");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options;
    return std::nullopt;
  }
  return vm;
}

}  // namespace hvmtool::cli
