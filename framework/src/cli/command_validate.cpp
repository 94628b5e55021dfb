#include <iostream>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"
#include "cli/load_files.hpp"
#include "cli/parse_options.hpp"
#include "log/stream_logger.hpp"

namespace po = boost::program_options;

namespace hvmtool::cli {

int command_validate(const std::vector<std::string>& args) {
  po::options_description options("hvmtool validate FILE...");
  options.add_options()("file", po::value<std::vector<std::string>>(), "pipeline files");
  po::positional_options_description positional;
  positional.add("file", -1);
  const auto parsed = parse_options(args, options, positional);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  if (!vm.count("file")) {
    std::cerr << "hvmtool: validate needs at least one pipeline file\n";
    return kExitUsage;
  }
  StreamLogger log(std::cerr, LogLevel::warn);
  Session session(log);
  return load_pipeline_files(session, vm["file"].as<std::vector<std::string>>(), true) ? kExitOk : kExitUsage;
}

}  // namespace hvmtool::cli
